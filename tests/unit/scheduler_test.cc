#include "engine/runtime/scheduler.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/unit/fiber_harness.h"

namespace aurora {
namespace {

using Harness = testing::FiberHarness;

TEST(Scheduler, FifoRunsFibersInTurn) {
  Harness h;
  std::string log;
  for (char name : {'a', 'b'}) {
    h.sched.spawn(1, std::string(1, name), [&, name] {
      for (int i = 0; i < 3; ++i) {
        log += name;
        h.sched.yield();
      }
    });
  }
  EXPECT_EQ(h.sched.run().kind, RunOutcome::Kind::kCompleted);
  EXPECT_EQ(log, "ababab");
  EXPECT_EQ(h.sched.fiber_count(), 0u);
}

TEST(Scheduler, SleepJumpsVirtualTimeToTheNextTimer) {
  Harness h;
  std::vector<std::pair<char, Nanos>> wakeups;
  h.sched.spawn(1, "late", [&] {
    h.sched.sleep_for(30 * kMillisecond);
    wakeups.emplace_back('L', h.sched.now());
  });
  h.sched.spawn(1, "early", [&] {
    h.sched.sleep_for(10 * kMillisecond);
    wakeups.emplace_back('E', h.sched.now());
  });
  EXPECT_EQ(h.sched.run().kind, RunOutcome::Kind::kCompleted);
  ASSERT_EQ(wakeups.size(), 2u);
  EXPECT_EQ(wakeups[0], std::make_pair('E', 10 * kMillisecond));
  EXPECT_EQ(wakeups[1], std::make_pair('L', 30 * kMillisecond));
}

TEST(Scheduler, DeadlockNamesTheBlockedFibers) {
  Harness h;
  h.sched.spawn(3, "stuck-writer", [&] { (void)h.sched.block("the group commit"); });
  RunOutcome out = h.sched.run();
  EXPECT_EQ(out.kind, RunOutcome::Kind::kDeadlock);
  ASSERT_EQ(out.blocked.size(), 1u);
  EXPECT_EQ(out.blocked[0].name, "stuck-writer");
  EXPECT_EQ(out.blocked[0].waiting_on, "the group commit");
  EXPECT_NE(out.describe().find("'stuck-writer' on node 3 waits on the group commit"),
            std::string::npos);
}

TEST(Scheduler, BlockWithDeadlineTimesOutOrIsWoken) {
  Harness h;
  bool first = true, second = false;
  FiberId sleeper = h.sched.spawn(1, "a", [&] { first = h.sched.block("x", 5 * kMillisecond); });
  h.sched.spawn(1, "b", [&] {
    FiberId me = h.sched.current();
    h.sched.spawn(1, "waker", [&, me] { h.sched.wake(me); });
    second = h.sched.block("y", 100 * kMillisecond);
  });
  (void)sleeper;
  EXPECT_EQ(h.sched.run().kind, RunOutcome::Kind::kCompleted);
  EXPECT_FALSE(first);  // timed out at 5 ms
  EXPECT_TRUE(second);  // woken before its deadline
  EXPECT_EQ(h.sched.now(), 5 * kMillisecond);  // the cancelled 100 ms timer never fired
}

TEST(Scheduler, DaemonsDoNotKeepTheRunGoing) {
  Harness h;
  int beats = 0;
  h.sched.spawn(1, "heartbeat", [&] {
    for (;;) {
      ++beats;
      h.sched.sleep_for(kMillisecond);
    }
  }, /*daemon=*/true);
  h.sched.spawn(1, "main", [&] { h.sched.sleep_for(10 * kMillisecond); });
  EXPECT_EQ(h.sched.run().kind, RunOutcome::Kind::kCompleted);
  EXPECT_GE(beats, 10);
  EXPECT_LE(beats, 11);
}

TEST(Scheduler, KillNodeUnwindsItsFibersAndSparesOthers) {
  Harness h;
  int destructors = 0;
  struct Counted {
    int& n;
    ~Counted() { ++n; }
  };
  bool survivor_finished = false;
  bool victim_finished = false;
  for (int i = 0; i < 3; ++i) {
    h.sched.spawn(7, "victim", [&] {
      Counted c{destructors};
      h.sched.sleep_for(kSecond);
      victim_finished = true;
    });
  }
  h.sched.spawn(8, "survivor", [&] {
    h.sched.sleep_for(kMillisecond);
    h.sched.kill_node(7);
    h.sched.sleep_for(kMillisecond);
    survivor_finished = true;
  });
  EXPECT_EQ(h.sched.run().kind, RunOutcome::Kind::kCompleted);
  EXPECT_EQ(destructors, 3);
  EXPECT_FALSE(victim_finished);
  EXPECT_TRUE(survivor_finished);
  EXPECT_EQ(h.sched.now(), 2 * kMillisecond);  // the victims' 1 s timers were cancelled
}

TEST(Scheduler, KillingAFiberThatNeverRanIsClean) {
  Harness h;
  bool ran = false;
  h.sched.spawn(2, "never", [&] { ran = true; });
  h.sched.kill_node(2);
  EXPECT_EQ(h.sched.run().kind, RunOutcome::Kind::kCompleted);
  EXPECT_FALSE(ran);
}

TEST(Scheduler, StepLimitStopsALivelock) {
  Harness h;
  h.sched.spawn(1, "spinner", [&] {
    for (;;) h.sched.yield();
  });
  RunOutcome out = h.sched.run({.max_steps = 100});
  EXPECT_EQ(out.kind, RunOutcome::Kind::kStepLimit);
  EXPECT_EQ(h.sched.steps(), 100u);
}

TEST(SchedulerDeathTest, ExceptionEscapingAFiberIsAProgrammerError) {
  EXPECT_DEATH(
      {
        Harness h;
        h.sched.spawn(1, "thrower", [] { throw std::runtime_error("boom"); });
        (void)h.sched.run();
      },
      "fiber 'thrower' let an exception escape: boom");
}

}  // namespace
}  // namespace aurora
