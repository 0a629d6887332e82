#include "tools/sim/worker_pool.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <utility>
#include <vector>

#include "engine/runtime/assert.h"

namespace aurora::tools {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kLogTailBytes = 4096;

// AddressSanitizer reserves terabytes of address space up front, so under it an RLIMIT_AS
// would make every allocation fail: the memory limit is off in such a build.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kAddressSanitizer = true;
#else
constexpr bool kAddressSanitizer = false;
#endif

struct Child {
  std::size_t job = 0;
  pid_t pid = -1;
  int result_fd = -1;
  int log_fd = -1;
  Clock::time_point start;
  bool timed_out = false;
  std::string output;
  std::string log;
};

void make_pipe(int fds[2]) {
  AURORA_ASSERT(::pipe2(fds, O_CLOEXEC) == 0, "pipe2 failed");
}

// In the child: never returns.
[[noreturn]] void become_worker(std::size_t job, int result_fd, int log_fd,
                                const WorkerLimits& limits,
                                const std::function<int(std::size_t, int)>& work) {
  std::signal(SIGINT, SIG_IGN);  // Ctrl-C is the parent's to handle: it kills us
  std::signal(SIGTERM, SIG_DFL);
  ::dup2(log_fd, STDOUT_FILENO);
  ::dup2(log_fd, STDERR_FILENO);
  if (limits.memory_mb > 0 && !kAddressSanitizer) {
    const rlim_t bytes = static_cast<rlim_t>(limits.memory_mb) << 20;
    const rlimit lim{bytes, bytes};
    ::setrlimit(RLIMIT_AS, &lim);
  }
  int code = 3;
  try {
    code = work(job, result_fd);
  } catch (const std::exception& e) {
    std::cerr << "uncaught exception: " << e.what() << "\n";
    code = 3;
  }
  std::cout.flush();
  std::cerr.flush();
  ::_exit(code);  // not exit(): the parent's stdio buffers and atexit handlers are not ours
}

// Reads what is available; returns false at end of file.
bool drain(int fd, std::string& into, std::size_t keep_tail) {
  char buf[8192];
  const ssize_t n = ::read(fd, buf, sizeof buf);
  if (n < 0) return errno == EINTR || errno == EAGAIN;
  if (n == 0) return false;
  into.append(buf, static_cast<std::size_t>(n));
  if (keep_tail > 0 && into.size() > 2 * keep_tail) into.erase(0, into.size() - keep_tail);
  return true;
}

WorkerResult reap(Child& c) {
  int status = 0;
  while (::waitpid(c.pid, &status, 0) < 0 && errno == EINTR) {
  }
  WorkerResult r;
  r.job = c.job;
  r.output = std::move(c.output);
  r.log_tail = c.log.size() > kLogTailBytes ? c.log.substr(c.log.size() - kLogTailBytes) : c.log;
  r.wall_s = std::chrono::duration<double>(Clock::now() - c.start).count();
  r.status = status;
  if (c.timed_out) {
    r.ending = WorkerResult::Ending::kTimedOut;
  } else if (WIFSIGNALED(status)) {
    r.ending = WorkerResult::Ending::kSignaled;
    r.code = WTERMSIG(status);
  } else {
    r.ending = WorkerResult::Ending::kExited;
    r.code = WEXITSTATUS(status);
  }
  return r;
}

}  // namespace

bool memory_limits_work() { return !kAddressSanitizer; }

std::string describe_wait_status(int status) {
  if (WIFSIGNALED(status)) {
    const char* name = ::strsignal(WTERMSIG(status));
    return std::string("killed by signal ")
        .append(std::to_string(WTERMSIG(status)))
        .append(" (")
        .append(name != nullptr ? name : "unknown")
        .append(")");
  }
  return std::string("exited with code ").append(std::to_string(WEXITSTATUS(status)));
}

std::string WorkerResult::describe_ending(double timeout_s) const {
  if (ending != Ending::kTimedOut) return describe_wait_status(status);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g", timeout_s);
  return std::string("exceeded the time limit of ").append(buf).append(" s");
}

bool run_workers(std::size_t count, unsigned parallel, const WorkerLimits& limits,
                 const std::function<int(std::size_t, int)>& work,
                 const std::function<void(WorkerResult)>& done,
                 const volatile std::sig_atomic_t* stop) {
  AURORA_ASSERT(parallel >= 1, "at least one worker");
  std::vector<Child> running;
  std::size_t next = 0;
  auto stopped = [&] { return stop != nullptr && *stop != 0; };

  while ((next < count || !running.empty()) && !stopped()) {
    while (next < count && running.size() < parallel) {
      int result_pipe[2];
      int log_pipe[2];
      make_pipe(result_pipe);
      make_pipe(log_pipe);
      std::cout.flush();
      std::cerr.flush();
      std::fflush(nullptr);
      const pid_t pid = ::fork();
      AURORA_ASSERT(pid >= 0, "fork failed");
      if (pid == 0) {
        ::close(result_pipe[0]);
        ::close(log_pipe[0]);
        become_worker(next, result_pipe[1], log_pipe[1], limits, work);
      }
      ::close(result_pipe[1]);
      ::close(log_pipe[1]);
      running.push_back(Child{.job = next, .pid = pid, .result_fd = result_pipe[0],
                              .log_fd = log_pipe[0], .start = Clock::now()});
      ++next;
    }

    // Wait for output, an exit (both pipes at EOF) or the nearest time limit.
    std::vector<pollfd> fds;
    double wait_s = limits.timeout_s;
    const auto now = Clock::now();
    for (const Child& c : running) {
      if (c.result_fd >= 0) fds.push_back({c.result_fd, POLLIN, 0});
      if (c.log_fd >= 0) fds.push_back({c.log_fd, POLLIN, 0});
      const double left =
          limits.timeout_s - std::chrono::duration<double>(now - c.start).count();
      wait_s = std::min(wait_s, std::max(0.0, left));
    }
    const int timeout_ms = static_cast<int>(std::min(wait_s, 1.0) * 1000) + 1;
    const int n = ::poll(fds.data(), fds.size(), timeout_ms);
    if (n < 0 && errno != EINTR) AURORA_ASSERT(false, "poll failed");

    for (std::size_t i = 0; i < running.size();) {
      Child& c = running[i];
      for (const pollfd& p : fds) {
        if (p.revents == 0) continue;
        if (p.fd == c.result_fd && !drain(c.result_fd, c.output, 0)) {
          ::close(std::exchange(c.result_fd, -1));
        } else if (p.fd == c.log_fd && !drain(c.log_fd, c.log, kLogTailBytes)) {
          ::close(std::exchange(c.log_fd, -1));
        }
      }
      if (!c.timed_out &&
          std::chrono::duration<double>(Clock::now() - c.start).count() > limits.timeout_s) {
        c.timed_out = true;
        ::kill(c.pid, SIGKILL);  // its pipes close as it dies
      }
      if (c.result_fd < 0 && c.log_fd < 0) {
        WorkerResult r = reap(c);
        running.erase(running.begin() + static_cast<std::ptrdiff_t>(i));
        done(std::move(r));
        continue;
      }
      ++i;
    }
  }
  if (!stopped()) return true;
  for (Child& c : running) {
    ::kill(c.pid, SIGKILL);
    while (::waitpid(c.pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    if (c.result_fd >= 0) ::close(c.result_fd);
    if (c.log_fd >= 0) ::close(c.log_fd);
  }
  return false;
}

}  // namespace aurora::tools
