#include "sim/world.h"

#include <span>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace aurora::sim {
namespace {

WorldOptions quiet(std::uint64_t seed) {
  WorldOptions o;
  o.seed = seed;
  o.faults = FaultConfig::none();
  return o;
}

TEST(World, CrashKillsOnlyThatNodeAndRestartBootsAgain) {
  World world(quiet(3));
  int boots_a = 0;
  int a_loops_finished = 0;
  int b_loops_finished = 0;
  const NodeId a = world.add_node("a", [&](Runtime rt) {
    ++boots_a;
    for (int i = 0; i < 5; ++i) rt.clock.sleep_for(kMillisecond);
    ++a_loops_finished;
  });
  const NodeId b = world.add_node("b", [&](Runtime rt) {
    for (int i = 0; i < 5; ++i) rt.clock.sleep_for(kMillisecond);
    ++b_loops_finished;
  });
  world.spawn("chaos", [&] {
    world.clock().sleep_for(2 * kMillisecond + 1);
    world.crash(a);
    EXPECT_FALSE(world.up(a));
    world.restart(a);
  });
  EXPECT_EQ(world.run().kind, RunOutcome::Kind::kCompleted);
  EXPECT_EQ(boots_a, 2);
  EXPECT_EQ(a_loops_finished, 1);  // the first incarnation died mid-loop
  EXPECT_EQ(b_loops_finished, 1);
  EXPECT_EQ(world.crashes(a), 1u);
  EXPECT_EQ(world.crashes(b), 0u);
}

TEST(World, HandlesDieWithTheirNodeAndTheDiskKeepsWhatWasDurable) {
  World world(quiet(4));
  FileHandle old_handle;
  const NodeId n = world.add_node("n", [&](Runtime rt) {
    if (old_handle.valid()) {
      // After the restart: the old handle is dead, the synced file is there.
      EXPECT_EQ(rt.fs.pread(old_handle, 0, {}).kind(), ErrorKind::kBadHandle);
      return;
    }
    ASSERT_TRUE(rt.fs.mkdir("d").is_ok());
    ASSERT_TRUE(rt.fs.sync_dir("").is_ok());
    Result<FileHandle> f = rt.fs.open("d/f", OpenMode::kCreate);
    ASSERT_TRUE(f.is_ok());
    old_handle = *f;
    ASSERT_TRUE(write_all(rt.fs, *f, 0, as_bytes("durable")).is_ok());
    ASSERT_TRUE(rt.fs.sync(*f).is_ok());
    ASSERT_TRUE(rt.fs.sync_dir("d").is_ok());
    ASSERT_TRUE(write_all(rt.fs, *f, 7, as_bytes(" and more")).is_ok());
  });
  world.spawn("chaos", [&] {
    world.clock().sleep_for(kSecond);
    world.crash(n, CrashMode::kDropAll);
    world.restart(n);
  });
  EXPECT_EQ(world.run().kind, RunOutcome::Kind::kCompleted);
  EXPECT_EQ(world.disk(n).durable_contents("d/f"), "durable");
}

TEST(World, StreamsAreNamedAndStable) {
  World w1(quiet(9)), w2(quiet(9));
  EXPECT_EQ(w1.stream("workload").next(), w2.stream("workload").next());
  EXPECT_EQ(&w1.stream("workload"), &w1.stream("workload"));
}

TEST(World, DescribePrintsSeedSchedulerAndFaults) {
  WorldOptions o = quiet(12);
  o.scheduler = SchedulerKind::kPct;
  World world(o);
  const std::string d = world.describe();
  EXPECT_NE(d.find("seed: 12"), std::string::npos);
  EXPECT_NE(d.find("scheduler: pct depth=3"), std::string::npos);
}

// --- crash points ---

// A node that reaches crash point "site" three times, counting the points it went past,
// while another node's fiber keeps yielding (and notes whether it ran between a crash
// point firing and the crash).
struct CrashPointRun {
  CrashPointRun(std::uint64_t seed, double probability, bool with_handler)
      : world(options(seed, probability)) {
    world.trace().set_listener([this](std::string_view kind, std::span<const Field>) {
      if (kind == "fault.crash_point") point_fired = true;
    });
    node = world.add_node("n", [this](Runtime rt) {
      ++boots;
      for (int i = 0; i < 3; ++i) {
        rt.crash_point("site");
        ++passed;
        rt.clock.sleep_for(kMillisecond);
      }
    });
    world.add_node("other", [this](Runtime rt) {
      for (int i = 0; i < 50; ++i) {
        if (point_fired && !handled) ran_between = true;
        rt.yield();
      }
    });
    if (with_handler) {
      world.set_crash_handler([this](NodeId n, std::string_view site) {
        handled = true;
        sites.emplace_back(site);
        world.crash(n);
        world.restart(n);
      });
    }
  }
  static WorldOptions options(std::uint64_t seed, double probability) {
    WorldOptions o;
    o.seed = seed;
    o.faults = FaultConfig::none();
    o.faults.rule(FaultKind::kCrashPoint) =
        FaultRule{.enabled = true, .probability = probability, .budget = 1};
    return o;
  }
  World world;
  NodeId node = 0;
  int boots = 0;
  int passed = 0;
  bool point_fired = false;
  bool handled = false;
  bool ran_between = false;
  std::vector<std::string> sites;
};

TEST(World, ACrashPointThatFiresCrashesTheNodeRightThere) {
  // A site is armed or not per run, and skips a drawn number of reaches first: some seeds
  // crash at one of the three reaches.
  int crashed_runs = 0;
  for (std::uint64_t seed = 1; seed <= 64; ++seed) {
    CrashPointRun r(seed, 1.0, true);
    ASSERT_EQ(r.world.run().kind, RunOutcome::Kind::kCompleted) << "seed " << seed;
    EXPECT_FALSE(r.ran_between) << "seed " << seed << ": a fiber ran between the point and the crash";
    if (r.sites.empty()) {
      EXPECT_EQ(r.passed, 3) << "seed " << seed;
      continue;
    }
    ++crashed_runs;
    EXPECT_EQ(r.sites, std::vector<std::string>{"site"}) << "seed " << seed;
    EXPECT_EQ(r.world.crashes(r.node), 1u) << "seed " << seed;
    EXPECT_EQ(r.boots, 2) << "seed " << seed;
    // The first incarnation went past the reaches it skipped, never past the one it crashed
    // at; the second (the budget spent) past all three.
    EXPECT_GE(r.passed, 3) << "seed " << seed;
    EXPECT_LE(r.passed, 5) << "seed " << seed;
    EXPECT_EQ(r.world.faults().fired(FaultKind::kCrashPoint), 1u) << "seed " << seed;
  }
  EXPECT_GT(crashed_runs, 0);
  EXPECT_LT(crashed_runs, 64);  // unarmed sites, or sites skipping past the three reaches
}

// The crash at a crash point is in the window of the write before it: that write survives
// torn (sim_fs.h, `in_window`). A crash from elsewhere tears nothing on its own.
TEST(World, ACrashAtACrashPointTearsTheWriteBeforeIt) {
  int torn_runs = 0;
  for (std::uint64_t seed = 1; seed <= 32; ++seed) {
    for (const bool at_point : {true, false}) {
      WorldOptions o = CrashPointRun::options(seed, 1.0);
      o.faults.crash_mode = CrashMode::kSubset;
      World world(o);
      int torn = 0;
      world.trace().set_listener([&](std::string_view kind, std::span<const Field>) {
        if (kind == "disk.torn_in_window") ++torn;
      });
      const NodeId node = world.add_node("n", [&](Runtime rt) {
        if (world.crashes(node) > 0) return;
        for (int i = 0; i < 64; ++i) {
          Result<FileHandle> f = rt.fs.open(std::string(1, 'f').append(std::to_string(i)),
                                            OpenMode::kCreate);
          ASSERT_TRUE(f.is_ok());
          const std::string bytes(1000, 'x');
          ASSERT_TRUE(rt.fs.pwrite(*f, 0, std::as_bytes(std::span(bytes))).is_ok());
          if (at_point) rt.crash_point("site");
        }
        rt.clock.sleep_for(kSecond);
      });
      world.set_crash_handler([&](NodeId n, std::string_view) { world.crash(n); });
      if (!at_point) {
        world.spawn("crasher", [&] {
          world.clock().sleep_for(kMillisecond);
          world.crash(node);
        });
      }
      ASSERT_EQ(world.run().kind, RunOutcome::Kind::kCompleted) << "seed " << seed;
      ASSERT_EQ(world.crashes(node), at_point ? world.faults().fired(FaultKind::kCrashPoint) : 1u);
      if (!at_point || world.crashes(node) == 0) {
        EXPECT_EQ(torn, 0) << "seed " << seed;
        continue;
      }
      EXPECT_EQ(torn, 1) << "seed " << seed;
      ++torn_runs;
    }
  }
  EXPECT_GT(torn_runs, 0);
}

TEST(World, CrashPointsDoNothingWithoutAHandlerOrWhenTheyNeverFire) {
  for (std::uint64_t seed = 1; seed <= 16; ++seed) {
    for (const bool handler : {false, true}) {
      CrashPointRun r(seed, handler ? 0.0 : 1.0, handler);
      ASSERT_EQ(r.world.run().kind, RunOutcome::Kind::kCompleted);
      EXPECT_EQ(r.passed, 3);
      EXPECT_EQ(r.boots, 1);
      EXPECT_TRUE(r.sites.empty());
      EXPECT_EQ(r.world.faults().fired(FaultKind::kCrashPoint), 0u);
    }
  }
}

}  // namespace
}  // namespace aurora::sim
