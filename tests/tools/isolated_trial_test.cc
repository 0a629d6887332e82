// sim shrink's trials in child processes (tools/sim/isolated_trial.h): a trial comes back
// whole from the child; a child that fails an assertion or is killed is a failure named by
// its place or its signal, not the end of the shrink.
#include "tools/sim/isolated_trial.h"

#include <gtest/gtest.h>

#include <csignal>

#include "engine/runtime/assert.h"

namespace aurora::tools {
namespace {

TEST(IsolatedTrial, ATrialComesBackWhole) {
  workloads::Trial sent;
  sent.first = workloads::Violation{.invariant = "durability", .message = "key 1: lost\nsecond line"};
  sent.size = {12, 2, 3, 4567, 0};
  for (std::uint64_t i = 0; i < 100; ++i) sent.used.streams["node/store"].push_back(i * 7);
  sent.used.streams["scheduler"] = {0, 1};
  sent.used.units["node/store"] = {0, 3, 10};
  sent.fired[2] = 5;
  const workloads::Trial got = run_isolated([&] { return sent; });
  ASSERT_TRUE(got.first.has_value());
  EXPECT_EQ(got.first->invariant, "durability");
  EXPECT_EQ(got.first->message, "key 1: lost second line");  // one line
  EXPECT_EQ(got.size.ops, 12u);
  EXPECT_EQ(got.size.crashes, 2u);
  EXPECT_EQ(got.size.faults, 3u);
  EXPECT_EQ(got.size.events, 4567u);
  EXPECT_TRUE(got.sized);
  EXPECT_EQ(got.used, sent.used);  // the unit starts too
  EXPECT_EQ(got.fired, sent.fired);

  const workloads::Trial passed = run_isolated([] { return workloads::Trial{}; });
  EXPECT_FALSE(passed.first.has_value());
}

TEST(IsolatedTrial, AFailedAssertionIsAFailureNamedByItsPlace) {
  const workloads::Trial got = run_isolated([]() -> workloads::Trial {
    AURORA_ASSERT(1 + 1 == 3, "arithmetic");
    return {};
  });
  ASSERT_TRUE(got.first.has_value());
  EXPECT_TRUE(got.first->invariant.starts_with("assertion:tests/tools/isolated_trial_test.cc:"))
      << got.first->invariant;
  EXPECT_EQ(got.first->invariant.find(' '), std::string::npos);  // a name a choice file can hold
  EXPECT_NE(got.first->message.find("1 + 1 == 3"), std::string::npos) << got.first->message;
  EXPECT_FALSE(got.sized);
}

TEST(IsolatedTrial, AKilledRunIsACrashNamedByItsSignal) {
  const workloads::Trial got = run_isolated([]() -> workloads::Trial {
    std::raise(SIGKILL);
    return {};
  });
  ASSERT_TRUE(got.first.has_value());
  EXPECT_EQ(got.first->invariant, "crash:signal-9");
  EXPECT_FALSE(got.sized);
}

TEST(IsolatedTrial, AChildRunIsTheInProcessRun) {
  const workloads::RunSpec spec{.seed = 5, .workload = workloads::WorkloadKind::kExampleAckBeforeFsync};
  const workloads::Trial here = workloads::run_trial(spec, nullptr);
  const workloads::Trial there = run_trial_isolated(spec, nullptr);
  ASSERT_TRUE(here.first && there.first);
  EXPECT_EQ(there.first->invariant, here.first->invariant);
  EXPECT_EQ(there.first->message, here.first->message);
  EXPECT_EQ(there.size.events, here.size.events);
  // The child's tape comes through a choice file, which leaves out streams never drawn from.
  sim::Choices drawn = here.used;
  std::erase_if(drawn.streams, [](const auto& s) { return s.second.empty(); });
  EXPECT_EQ(there.used, drawn);
  EXPECT_GT(drawn.size(), 100u);
}

}  // namespace
}  // namespace aurora::tools
