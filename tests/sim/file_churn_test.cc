// The smoke workload's checkers: quiet on correct runs, and firing on bad histories.
#include "workloads/smoke/file_churn.h"

#include <gtest/gtest.h>

#include "workloads/run.h"

namespace aurora::workloads {
namespace {

TEST(FileChurn, RecoverableRegimeRunsCleanAndReallyCrashes) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    RunSpec spec;
    spec.seed = seed;
    spec.workload = WorkloadKind::kFileChurn;
    spec.ops = 500;
    const RunReport r = run_seed(spec);
    EXPECT_TRUE(r.passed) << "seed " << seed << ": "
                          << (r.violations.empty() ? "" : r.violations[0].message);
    EXPECT_GE(r.crashes, 3u + 2u);  // the safety phase's crashes plus the final one per node
    EXPECT_GT(r.recoveries_checked, 0u);
    EXPECT_GT(r.acknowledged, 0u);
  }
}

// A bad history: media faults flip bits of durable data, but the content checks stay
// on. The durability checker must notice acknowledged bytes that changed.
TEST(FileChurn, DurabilityCheckerFiresWhenAcknowledgedBytesChange) {
  int fired = 0;
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    sim::ChoiceTape choices(seed);
    sim::WorldOptions options =
        world_options(RunSpec{.seed = seed, .workload = WorkloadKind::kFileChurn}, choices);
    options.faults = sim::FaultConfig::none();
    sim::FaultRule& flip = options.faults.rule(sim::FaultKind::kBitFlip);
    flip.enabled = true;
    flip.probability = 1.0;
    sim::World world(options);
    FileChurnOptions churn;
    churn.ops = 400;
    churn.check_content = true;
    FileChurn workload(world, churn);
    workload.install();
    ASSERT_EQ(world.run().kind, RunOutcome::Kind::kCompleted);
    // The first violation is the recovery check; later reads of the flipped bytes may
    // add read-your-writes violations, which are consequences of the same fault.
    if (!workload.violations().empty()) {
      const Violation& first = workload.violations().front();
      EXPECT_EQ(first.invariant, "durability");
      EXPECT_NE(first.message.find("differs"), std::string::npos) << first.message;
      ++fired;
    }
  }
  EXPECT_GE(fired, 8);  // nearly every seed has acknowledged data under a flipped bit
}

// A bad history: a "disk" that loses a file that was fsynced along with its directory.
// Lost writes make fsync lie; the checker must report the acknowledged bytes missing.
TEST(FileChurn, DurabilityCheckerFiresOnLostWrites) {
  int fired = 0;
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    sim::ChoiceTape choices(seed);
    sim::WorldOptions options =
        world_options(RunSpec{.seed = seed, .workload = WorkloadKind::kFileChurn}, choices);
    options.faults = sim::FaultConfig::none();
    sim::FaultRule& lost = options.faults.rule(sim::FaultKind::kLostWrite);
    lost.enabled = true;
    lost.probability = 1.0;
    sim::World world(options);
    FileChurnOptions churn;
    churn.ops = 400;
    FileChurn workload(world, churn);
    workload.install();
    ASSERT_EQ(world.run().kind, RunOutcome::Kind::kCompleted);
    fired += workload.violations().empty() ? 0 : 1;
  }
  EXPECT_GE(fired, 8);
}

}  // namespace
}  // namespace aurora::workloads
