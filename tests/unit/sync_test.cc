#include "engine/runtime/sync.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/unit/fiber_harness.h"

namespace aurora {
namespace {

using Harness = testing::FiberHarness;

TEST(Mutex, HandsOffInArrivalOrder) {
  Harness h;
  Mutex m(h.sched);
  std::string order;
  for (char name : {'a', 'b', 'c'}) {
    h.sched.spawn(1, std::string(1, name), [&, name] {
      LockGuard g(m);
      order += name;
      h.sched.sleep_for(kMillisecond);  // hold it across a suspension
      order += name;
    });
  }
  EXPECT_EQ(h.sched.run().kind, RunOutcome::Kind::kCompleted);
  EXPECT_EQ(order, "aabbcc");
  EXPECT_FALSE(m.locked());
}

TEST(Mutex, KilledOwnerReleasesAndKilledHeirPassesItOn) {
  Harness h;
  Mutex m(h.sched);
  bool survivor_got_it = false;
  // Node 1: the owner, and a waiter that receives ownership during the owner's unwinding.
  h.sched.spawn(1, "owner", [&] {
    LockGuard g(m);
    h.sched.sleep_for(kSecond);
  });
  h.sched.spawn(1, "heir", [&] { LockGuard g(m); });
  h.sched.spawn(2, "survivor", [&] {
    h.sched.yield();  // let node 1 queue up first
    h.sched.spawn(3, "killer", [&] { h.sched.kill_node(1); });
    LockGuard g(m);
    survivor_got_it = true;
  });
  EXPECT_EQ(h.sched.run().kind, RunOutcome::Kind::kCompleted);
  EXPECT_TRUE(survivor_got_it);
  EXPECT_FALSE(m.locked());
}

TEST(Event, WaitUntilTimesOut) {
  Harness h;
  Event e(h.sched);
  bool early = true, late = false;
  h.sched.spawn(1, "w", [&] {
    early = e.wait_until(2 * kMillisecond);
    late = e.wait_until(10 * kMillisecond);
  });
  h.sched.spawn(1, "s", [&] {
    h.sched.sleep_for(5 * kMillisecond);
    e.set();
  });
  EXPECT_EQ(h.sched.run().kind, RunOutcome::Kind::kCompleted);
  EXPECT_FALSE(early);
  EXPECT_TRUE(late);
}

TEST(Event, StaleWakeupAfterTimeoutDoesNotWakeALaterWait) {
  Harness h;
  Event a(h.sched), b(h.sched);
  bool b_seen_set = false;
  h.sched.spawn(1, "w", [&] {
    EXPECT_FALSE(a.wait_until(kMillisecond));  // times out, stays registered nowhere
    b.wait();                                   // must not be woken by a.set()
    b_seen_set = b.is_set();
  });
  h.sched.spawn(1, "s", [&] {
    h.sched.sleep_for(2 * kMillisecond);
    a.set();
    h.sched.sleep_for(2 * kMillisecond);
    b.set();
  });
  EXPECT_EQ(h.sched.run().kind, RunOutcome::Kind::kCompleted);
  EXPECT_TRUE(b_seen_set);
}

TEST(CondVar, WaitReleasesTheMutex) {
  Harness h;
  Mutex m(h.sched);
  CondVar cv(h.sched);
  int items = 0;
  int consumed = 0;
  h.sched.spawn(1, "consumer", [&] {
    LockGuard g(m);
    while (consumed < 3) {
      while (items == 0) (void)cv.wait(m);
      --items;
      ++consumed;
    }
  });
  h.sched.spawn(1, "producer", [&] {
    for (int i = 0; i < 3; ++i) {
      h.sched.sleep_for(kMillisecond);
      LockGuard g(m);
      ++items;
      cv.notify_one();
    }
  });
  EXPECT_EQ(h.sched.run().kind, RunOutcome::Kind::kCompleted);
  EXPECT_EQ(consumed, 3);
}

TEST(Channel, BoundedSendWaitsForRoomAndCloseDrains) {
  Harness h;
  Channel<int> ch(h.sched, /*capacity=*/1);
  std::vector<int> got;
  Nanos last_send_done = 0;
  h.sched.spawn(1, "producer", [&] {
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(ch.send(i));
    last_send_done = h.sched.now();
    ch.close();
    EXPECT_FALSE(ch.send(99));
  });
  h.sched.spawn(1, "consumer", [&] {
    while (auto v = ch.recv()) {
      got.push_back(*v);
      h.sched.sleep_for(kMillisecond);
    }
  });
  EXPECT_EQ(h.sched.run().kind, RunOutcome::Kind::kCompleted);
  EXPECT_EQ(got, (std::vector<int>{0, 1, 2}));
  EXPECT_GE(last_send_done, kMillisecond);  // the producer had to wait for room
}

TEST(Channel, RecvWithDeadlineReturnsNothing) {
  Harness h;
  Channel<int> ch(h.sched);
  std::optional<int> v = 7;
  h.sched.spawn(1, "r", [&] { v = ch.recv(3 * kMillisecond); });
  EXPECT_EQ(h.sched.run().kind, RunOutcome::Kind::kCompleted);
  EXPECT_FALSE(v.has_value());
  EXPECT_EQ(h.sched.now(), 3 * kMillisecond);
}

TEST(Promise, FutureDeliversToEveryWaiter) {
  Harness h;
  Promise<std::string> p(h.sched);
  std::string a, b;
  h.sched.spawn(1, "a", [&] { a = p.future().get(); });
  h.sched.spawn(1, "b", [&] { b = p.future().get(); });
  h.sched.spawn(1, "setter", [&] {
    h.sched.sleep_for(kMillisecond);
    p.set("done");
  });
  EXPECT_EQ(h.sched.run().kind, RunOutcome::Kind::kCompleted);
  EXPECT_EQ(a, "done");
  EXPECT_EQ(b, "done");
}

TEST(Sync, DeadlockOnAMutexIsReportedWithTheReason) {
  Harness h;
  Mutex m1(h.sched), m2(h.sched);
  h.sched.spawn(1, "left", [&] {
    LockGuard a(m1, "m1");
    h.sched.yield();
    LockGuard b(m2, "m2");
  });
  h.sched.spawn(1, "right", [&] {
    LockGuard a(m2, "m2");
    h.sched.yield();
    LockGuard b(m1, "m1");
  });
  RunOutcome out = h.sched.run();
  EXPECT_EQ(out.kind, RunOutcome::Kind::kDeadlock);
  ASSERT_EQ(out.blocked.size(), 2u);
  EXPECT_EQ(out.blocked[0].waiting_on, "m2");
  EXPECT_EQ(out.blocked[1].waiting_on, "m1");
  h.sched.kill_node(1);  // unwind the waiters before the mutexes go out of scope
}

}  // namespace
}  // namespace aurora
