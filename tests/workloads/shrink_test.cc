// The shrinker (workloads/shrink.h) on the example systems with known bugs: every failing
// seed of a sweep shrinks to at most a tenth of its operations (at least one: a lost
// acknowledgement needs a put) and at most one crash, still violating the same invariant;
// the minimized tape replays to that violation; and a run that passes is refused.
#include "workloads/shrink.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace aurora::workloads {
namespace {

struct Case {
  WorkloadKind kind;
  std::uint64_t seeds;
};

TEST(Shrink, EveryFailingSeedOfTheExamplesShrinksTenfold) {
  for (const Case c : {Case{WorkloadKind::kExampleAckBeforeFsync, 10},
                       Case{WorkloadKind::kExampleChecksumIsEnd, 20}}) {
    int failing = 0;
    for (std::uint64_t seed = 1; seed <= c.seeds; ++seed) {
      const RunSpec spec{.seed = seed, .workload = c.kind};
      const RunReport original = run_seed(spec);
      if (original.passed) continue;
      ++failing;
      Result<ShrinkResult> r = shrink(spec, std::nullopt);
      ASSERT_TRUE(r.is_ok()) << r.status().message();
      const std::string where = std::string(workload_name(c.kind)) + " seed " + std::to_string(seed);
      EXPECT_EQ(r->invariant, original.violations.front().invariant) << where;
      EXPECT_EQ(r->original.ops, original.ops) << where;
      EXPECT_EQ(r->original.events, original.events) << where;
      EXPECT_LE(r->minimized.ops, std::max<std::uint64_t>(1, r->original.ops / 10)) << where;
      EXPECT_LE(r->minimized.crashes, 1u) << where;
      EXPECT_LT(r->minimized.events, r->original.events) << where;
      EXPECT_FALSE(r->exhausted) << where;

      // The minimized tape, replayed, is the minimized run.
      sim::ChoiceTape tape(r->spec.seed, r->choices);
      const RunReport again = run_seed(r->spec, nullptr, &tape);
      ASSERT_FALSE(again.violations.empty()) << where;
      EXPECT_EQ(again.violations.front().invariant, r->invariant) << where;
      EXPECT_EQ(again.ops, r->minimized.ops) << where;
      EXPECT_EQ(again.events, r->minimized.events) << where;
    }
    EXPECT_GE(failing, 3) << workload_name(c.kind) << ": the sweep should find the bug";
  }
}

TEST(Shrink, StartsFromATapeAsWellAsFromASeed) {
  const RunSpec spec{.seed = 2, .workload = WorkloadKind::kExampleAckBeforeFsync};
  sim::ChoiceTape recording(2, true);
  ASSERT_FALSE(run_seed(spec, nullptr, &recording).passed);
  Result<ShrinkResult> from_tape = shrink(spec, recording.recorded());
  Result<ShrinkResult> from_seed = shrink(spec, std::nullopt);
  ASSERT_TRUE(from_tape.is_ok() && from_seed.is_ok());
  EXPECT_EQ(from_tape->choices, from_seed->choices);
  EXPECT_EQ(from_tape->minimized.ops, from_seed->minimized.ops);
}

TEST(Shrink, KeepsOnlyRunsThatFailTheSameWay) {
  // Every step it keeps is reported; each is a run of the same invariant, each smaller.
  const RunSpec spec{.seed = 3, .workload = WorkloadKind::kExampleChecksumIsEnd};
  std::vector<std::string> steps;
  ShrinkOptions options;
  options.on_step = [&](const std::string& s) { steps.push_back(s); };
  Result<ShrinkResult> r = shrink(spec, std::nullopt, options);
  ASSERT_TRUE(r.is_ok());
  EXPECT_FALSE(steps.empty());
  EXPECT_EQ(r->minimized_violation.invariant, "durability");
  EXPECT_LE(r->minimized.faults, r->original.faults);
  EXPECT_GE(r->minimized.faults, 1u);  // this bug needs its bit flip
}

TEST(Shrink, AMaxRunsLimitStopsIt) {
  const RunSpec spec{.seed = 1, .workload = WorkloadKind::kExampleAckBeforeFsync};
  Result<ShrinkResult> r = shrink(spec, std::nullopt, ShrinkOptions{.max_runs = 3});
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r->runs, 3u);
  EXPECT_TRUE(r->exhausted);
}

TEST(Shrink, ARunThatPassesHasNothingToShrink) {
  const RunSpec spec{.seed = 1, .workload = WorkloadKind::kMtr, .ops = 100};
  Result<ShrinkResult> r = shrink(spec, std::nullopt);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.kind(), ErrorKind::kInvalidArgument);
  EXPECT_NE(r.status().message().find("passes"), std::string::npos);
}

}  // namespace
}  // namespace aurora::workloads
