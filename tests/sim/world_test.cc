#include "sim/world.h"

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

}  // namespace
}  // namespace aurora::sim
