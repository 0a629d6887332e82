#include "tools/shell/frontend_exit.h"

namespace aurora::shell {

int exit_unopened(std::string_view me, const Status& why, std::ostream& err) {
  err << me << ": " << why.to_string() << "\n";
  return kExitBadInput;
}

int exit_after_run(const Session& session, int code, std::string_view me, std::ostream& err) {
  const Status& failed = session.open_failure();
  if (failed.is_ok()) return code;
  // The session printed the error where it happened; this line says why the exit code.
  err << me << ": the last recover failed: " << failed.to_string() << "\n";
  return kExitBadInput;
}

}  // namespace aurora::shell
