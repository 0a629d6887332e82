// The example systems with a known network bug (workloads/examples/retry_ledger.h): with
// the bug, a sweep finds it in every few seeds and `sim shrink` brings it down to a
// handful of deposits; without it, the same seeds pass, which shows that the checks fire
// because of the bug and not for some other reason.
#include "workloads/examples/retry_ledger.h"

#include <string>

#include <gtest/gtest.h>

#include "workloads/run.h"
#include "workloads/shrink.h"

namespace aurora::examples {
namespace {

struct Outcome {
  RunOutcome::Kind kind;
  std::vector<workloads::Violation> violations;
  LedgerStats stats;
  std::uint64_t trace_hash = 0;
};

Outcome run_ledger(NetExampleKind kind, bool with_bug, std::uint64_t seed, std::uint64_t ops = 300) {
  sim::WorldOptions o;
  o.seed = seed;
  o.faults = sim::FaultConfig::none();
  o.net = net_example_network();
  sim::World world(o);
  LedgerWorkload w(world, LedgerOptions{.kind = kind, .with_bug = with_bug, .ops = ops});
  w.install();
  const RunOutcome out = world.run();
  return {out.kind, w.violations(), w.stats(), world.trace().hash()};
}

class LedgerSweep : public ::testing::TestWithParam<NetExampleKind> {};

TEST_P(LedgerSweep, WithTheBugMostSeedsFailWithoutItEverySeedPasses) {
  int failed = 0;
  for (std::uint64_t seed = 1; seed <= 30; ++seed) {
    const Outcome bug = run_ledger(GetParam(), true, seed);
    ASSERT_EQ(bug.kind, RunOutcome::Kind::kCompleted) << "seed " << seed;
    if (!bug.violations.empty()) ++failed;
    const Outcome fixed = run_ledger(GetParam(), false, seed);
    ASSERT_EQ(fixed.kind, RunOutcome::Kind::kCompleted) << "seed " << seed;
    EXPECT_TRUE(fixed.violations.empty())
        << "seed " << seed << ": " << fixed.violations.front().message;
    EXPECT_EQ(fixed.stats.ops, 300u);
    // The network did its part: answers were lost or late, and some deposits were sent
    // again or ended unknown.
    EXPECT_GT(fixed.stats.retries, 0u) << "seed " << seed;
    EXPECT_EQ(fixed.stats.acknowledged + fixed.stats.unknown, fixed.stats.ops) << "seed " << seed;
  }
  EXPECT_GE(failed, 25);
}

TEST_P(LedgerSweep, ASeedReplaysToTheSameTrace) {
  for (bool bug : {true, false}) {
    const Outcome a = run_ledger(GetParam(), bug, 5);
    const Outcome b = run_ledger(GetParam(), bug, 5);
    EXPECT_EQ(a.trace_hash, b.trace_hash) << "bug " << bug;
    EXPECT_EQ(a.violations.size(), b.violations.size());
  }
}

TEST_P(LedgerSweep, SmallRunsComplete) {
  for (std::uint64_t ops : {0u, 1u, 2u}) {
    for (bool bug : {true, false}) {
      const Outcome o = run_ledger(GetParam(), bug, 3, ops);
      EXPECT_EQ(o.kind, RunOutcome::Kind::kCompleted);
      EXPECT_LE(o.stats.ops, ops);
    }
  }
}

TEST_P(LedgerSweep, TheShrinkerBringsAFailureDownToAFewDeposits) {
  workloads::RunSpec run;
  run.seed = 1;
  run.workload = GetParam() == NetExampleKind::kRetryAppliesTwice
                     ? workloads::WorkloadKind::kExampleRetryAppliesTwice
                     : workloads::WorkloadKind::kExampleTimeoutIsFailure;
  const workloads::RunReport failing = workloads::run_seed(run);
  ASSERT_FALSE(failing.passed);
  Result<workloads::ShrinkResult> r = workloads::shrink(run, std::nullopt);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(r->stopped_by, workloads::ShrinkStop::kFixedPoint);
  EXPECT_LT(r->minimized.ops, r->original.ops);
  EXPECT_LE(r->minimized.ops, 10u);
  EXPECT_EQ(r->invariant, failing.violations.front().invariant);
  // The minimized run fails the same way when run again from its tape.
  const workloads::Trial again = workloads::run_trial(r->spec, &r->choices);
  ASSERT_TRUE(again.first.has_value());
  EXPECT_EQ(again.first->invariant, r->invariant);
}

INSTANTIATE_TEST_SUITE_P(NetExamples, LedgerSweep,
                         ::testing::Values(NetExampleKind::kRetryAppliesTwice,
                                           NetExampleKind::kTimeoutIsFailure),
                         [](const ::testing::TestParamInfo<NetExampleKind>& info) {
                           return info.param == NetExampleKind::kRetryAppliesTwice
                                      ? std::string("RetryAppliesTwice")
                                      : std::string("TimeoutIsFailure");
                         });

}  // namespace
}  // namespace aurora::examples
