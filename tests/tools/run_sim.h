// Runs the sim binary with arguments through the shell and returns its exit code and what
// it printed: stdout and stderr together, or stdout alone (stderr dropped) when
// `with_stderr` is false (sanitizer builds print warnings on stderr).
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

namespace aurora::testing {

struct SimRun {
  int code = -1;
  std::string output;
};

// Runs a shell command line as it is; its exit code, and what it printed on stdout.
inline SimRun run_shell(const std::string& cmd) {
  SimRun r;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 4096> buf;
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.output.append(buf.data(), n);
  const int status = ::pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

inline SimRun run_sim(const std::string& args, const std::string& prefix = "",
                      bool with_stderr = true) {
  return run_shell(prefix + std::string(AURORA_SIM_BINARY) + " " + args +
                   (with_stderr ? " 2>&1" : " 2>/dev/null"));
}

}  // namespace aurora::testing
