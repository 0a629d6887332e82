// The worker pool runs each job in its own process: whatever a job does to itself (abort,
// a segfault, running out of memory, hanging) is reported as that job's ending, and the
// other jobs still run.
#include <gtest/gtest.h>

#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <map>
#include <vector>

#include "tools/sim/worker_pool.h"

namespace aurora::tools {
namespace {

std::map<std::size_t, WorkerResult> run(std::size_t count, unsigned parallel,
                                        const WorkerLimits& limits,
                                        const std::function<int(std::size_t, int)>& work) {
  std::map<std::size_t, WorkerResult> results;
  const bool finished = run_workers(count, parallel, limits, work, [&](WorkerResult r) {
    EXPECT_FALSE(results.contains(r.job)) << "job " << r.job << " reported twice";
    results[r.job] = std::move(r);
  }, nullptr);
  EXPECT_TRUE(finished);
  return results;
}

void say(int fd, const std::string& s) { EXPECT_EQ(::write(fd, s.data(), s.size()), static_cast<ssize_t>(s.size())); }

TEST(WorkerPool, EveryJobRunsOnceAndReturnsWhatItWrote) {
  const auto results = run(7, 3, {}, [](std::size_t job, int fd) {
    say(fd, "job " + std::to_string(job));
    return 0;
  });
  ASSERT_EQ(results.size(), 7u);
  for (const auto& [job, r] : results) {
    EXPECT_TRUE(r.ok()) << r.describe_ending(1);
    EXPECT_EQ(r.output, "job " + std::to_string(job));
  }
}

TEST(WorkerPool, AJobThatCrashesOrHangsEndsAloneWithItsCause) {
  WorkerLimits limits;
  limits.timeout_s = 0.5;
  const auto results = run(5, 2, limits, [](std::size_t job, int fd) -> int {
    switch (job) {
      case 0:
        std::fputs("about to abort\n", stderr);
        std::abort();
      case 1:
        // SIGKILL, which no handler catches: under AddressSanitizer a SIGSEGV would be
        // its report and exit code 1.
        std::raise(SIGKILL);
        return 0;
      case 2:
        for (;;) ::pause();  // a hang: only the time limit ends it
      case 3:
        say(fd, "partial");
        return 7;
      default:
        say(fd, "fine");
        return 0;
    }
  });
  ASSERT_EQ(results.size(), 5u);
  EXPECT_EQ(results.at(0).ending, WorkerResult::Ending::kSignaled);
  EXPECT_EQ(results.at(0).code, SIGABRT);
  EXPECT_NE(results.at(0).log_tail.find("about to abort"), std::string::npos);
  EXPECT_NE(results.at(0).describe_ending(0.5).find("killed by signal 6"), std::string::npos);
  EXPECT_EQ(results.at(1).ending, WorkerResult::Ending::kSignaled);
  EXPECT_EQ(results.at(1).code, SIGKILL);
  EXPECT_EQ(results.at(2).ending, WorkerResult::Ending::kTimedOut);
  EXPECT_EQ(results.at(2).describe_ending(0.5), "exceeded the time limit of 0.5 s");
  EXPECT_EQ(results.at(3).ending, WorkerResult::Ending::kExited);
  EXPECT_EQ(results.at(3).code, 7);
  EXPECT_EQ(results.at(3).output, "partial");
  EXPECT_TRUE(results.at(4).ok());
  EXPECT_EQ(results.at(4).output, "fine");
}

TEST(WorkerPool, AJobOverItsMemoryLimitFailsAlone) {
  if (!memory_limits_work()) GTEST_SKIP() << "no address-space limits under AddressSanitizer";
  WorkerLimits limits;
  limits.memory_mb = 256;
  const auto results = run(2, 2, limits, [](std::size_t job, int fd) {
    if (job == 0) {
      std::vector<std::vector<char>> hog;
      for (int i = 0; i < 64; ++i) hog.emplace_back(64 << 20, 'x');  // 4 GiB, touched
    }
    say(fd, "done");
    return 0;
  });
  EXPECT_FALSE(results.at(0).ok());
  EXPECT_NE(results.at(0).log_tail.find("uncaught exception"), std::string::npos)
      << results.at(0).log_tail;
  EXPECT_TRUE(results.at(1).ok());
}

TEST(WorkerPool, StoppingKillsTheJobsUnderWayAndReportsNone) {
  static volatile std::sig_atomic_t stop = 0;
  stop = 0;
  std::size_t reported = 0;
  const bool finished = run_workers(
      100, 2, {}, [](std::size_t job, int) -> int {
        if (job < 3) return 0;
        for (;;) ::pause();
      },
      [&](WorkerResult) {
        if (++reported == 3) stop = 1;  // as a Ctrl-C handler would
      },
      &stop);
  EXPECT_FALSE(finished);
  EXPECT_EQ(reported, 3u);
}

}  // namespace
}  // namespace aurora::tools
