// Runs jobs in forked worker processes, a few at a time, so that a job that crashes
// (abort, segfault, out of memory) or hangs is the failure of that job alone, not of the
// process that runs them all. `sim sweep` runs each seed this way.
//
// Each job gets a fresh child forked from the caller (no exec: the child calls `work`
// directly, so the caller must be single-threaded and have flushed its stdio). The child
// writes its result to a pipe; its stdout and stderr go to a second pipe whose tail is
// kept for the report of a crash.
#pragma once

#include <csignal>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace aurora::tools {

struct WorkerLimits {
  double timeout_s = 300;          // wall time a job may take before it is killed
  std::uint64_t memory_mb = 4096;  // address-space limit of a worker (RLIMIT_AS); 0 = none
                                   // (ignored in an AddressSanitizer build)
};

struct WorkerResult {
  enum class Ending : std::uint8_t { kExited, kSignaled, kTimedOut };
  std::size_t job = 0;
  Ending ending = Ending::kExited;
  int code = 0;            // exit code (kExited) or signal number (kSignaled)
  int status = 0;          // waitpid's status
  std::string output;      // what the job wrote to its result descriptor
  std::string log_tail;    // the last lines the child wrote to stdout and stderr
  double wall_s = 0;
  bool ok() const { return ending == Ending::kExited && code == 0; }
  std::string describe_ending(double timeout_s) const;  // "killed by signal 6 (Aborted)", ...
};

// Runs jobs 0..count-1 with at most `parallel` children at once. `work(job, fd)` runs in the
// child: it writes its result to `fd` and returns the child's exit code. `done(result)` runs
// in the caller as each job ends. When `*stop` becomes non-zero (a signal handler sets it),
// the children under way are killed, their jobs are not reported, and run returns false.
// How a child process ended, from waitpid's status: "exited with code 3", "killed by
// signal 6 (Aborted)".
std::string describe_wait_status(int status);

// True when memory limits take effect in this build (not under AddressSanitizer).
bool memory_limits_work();

bool run_workers(std::size_t count, unsigned parallel, const WorkerLimits& limits,
                 const std::function<int(std::size_t job, int fd)>& work,
                 const std::function<void(WorkerResult)>& done,
                 const volatile std::sig_atomic_t* stop);

}  // namespace aurora::tools
