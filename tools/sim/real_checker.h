// The parent's side of `sim real` (one process, real_run.h, or several, real_cluster.h):
// it reads the observation lines its children write to a pipe (workloads/real/wire.h)
// and feeds them to the reference model and checkers, counting what it saw.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <string>

#include "tools/sim/real_run.h"
#include "workloads/check/suite.h"

namespace aurora::tools {

class RealChecker {
 public:
  RealChecker(const RealRunOptions& o, RealRunReport& report)
      : suite_(/*unrestricted=*/false, o.spec.storage.page_size), report_(report) {}

  // Feeds every complete line in `buffer`; keeps a trailing partial one.
  void feed(std::string& buffer);
  void observe(const workloads::check::Observation& o) { record(suite_.observe(o)); }
  void finish() { record(suite_.finish()); }
  // A child said its recovery was reported and checked (the ready line); reset by the
  // caller before the next one.
  bool ready = false;
  // With compute nodes in processes of their own (real_cluster.h): a storage that restarted
  // holds none of their read points until their pins reach it, and may collect under them
  // first; a node cannot always tell (a refusal carries no incarnation). So a session that
  // outlived a storage restart may have its reads at its read point refused (never answered
  // wrong): the parent, which sees both, says so.
  bool sessions_outlive_restarts = false;

 private:
  void line(const std::string& text);
  void record(std::vector<workloads::Violation> found);
  workloads::check::Suite suite_;
  RealRunReport& report_;
  std::map<std::string, bool> outlived_restart_;  // by compute node: since its session began
};

// Reads what the children write to `fd` until `until` or end of file (true then), or
// until `stop_early` says so, feeding `checker` line by line.
bool pump(int fd, std::string& buffer, RealChecker& checker,
          std::chrono::steady_clock::time_point until,
          const std::function<bool()>& stop_early = nullptr);
// Reads whatever is in `fd` now, without waiting.
void drain(int fd, std::string& buffer, RealChecker& checker);

}  // namespace aurora::tools
