// The engine's configuration drawn per seed ([swarm], workloads/swarm.h): what a draw
// gives, that a replayed tape gives it again, and that the default spec reaches the engine
// paths the draw is there to reach.
#include "workloads/swarm.h"

#include <map>
#include <string>

#include <gtest/gtest.h>

#include "workloads/run.h"

namespace aurora::workloads {
namespace {

Spec spec_with(SwarmSpec swarm) {
  Spec s;
  s.swarm = std::move(swarm);
  return s;
}

// A tape whose first `draws` "config" draws answer `value` (2^20 - 1: the largest a range
// draw takes).
sim::Choices config_tape(std::uint64_t value, std::size_t draws) {
  sim::Choices c;
  c.streams["config"] = std::vector<std::uint64_t>(draws, value);
  return c;
}

TEST(SwarmConfiguration, TheNeutralDrawIsTheLowEndOfEveryRange) {
  const Spec spec = spec_with(default_swarm());
  sim::ChoiceTape tape(1, sim::Choices{});  // every draw answered 0
  const Spec drawn = draw_configuration(spec, tape);
  EXPECT_EQ(drawn.workload.compute_nodes, 1u);
  EXPECT_EQ(drawn.workload.pages, 2u);
  EXPECT_EQ(drawn.storage.segment_bytes, 1024u);
  EXPECT_EQ(drawn.storage.cache_pages, 0u);
  EXPECT_EQ(drawn.storage.maintenance_interval, 500 * kMicrosecond);
  EXPECT_EQ(drawn.storage.durability, "group");
  EXPECT_EQ(drawn.storage.preset, "base");
  // Mended: an MTR spans at most `pages` pages, and LAL holds the largest MTR.
  EXPECT_EQ(drawn.workload.mtr_pages_max, 2u);
  EXPECT_EQ(drawn.storage.lal, 8u);
}

TEST(SwarmConfiguration, TheLargestDrawIsTheHighEnd) {
  SwarmSpec swarm;
  swarm.ranges["lal"] = {8, 10'000'000};
  swarm.ranges["segment_bytes"] = {1024, 65536};
  sim::ChoiceTape tape(1, config_tape((1 << 20) - 1, 2));
  const Spec drawn = draw_configuration(spec_with(swarm), tape);
  EXPECT_EQ(drawn.storage.segment_bytes, 65536u);
  EXPECT_EQ(drawn.storage.lal, 10'000'000u);
}

TEST(SwarmConfiguration, DrawsSpreadOverTheDecadesAndReplayExactly) {
  SwarmSpec swarm;
  swarm.ranges["lal"] = {8, 10'000'000};
  std::map<int, int> decades;  // floor(log10(lal - 8 + 1)) -> runs
  for (std::uint64_t seed = 1; seed <= 700; ++seed) {
    sim::ChoiceTape recording(seed, /*record=*/true);
    const Spec drawn = draw_configuration(spec_with(swarm), recording);
    sim::ChoiceTape replay(seed, recording.recorded());
    EXPECT_EQ(draw_configuration(spec_with(swarm), replay).storage.lal, drawn.storage.lal);
    int d = 0;
    for (std::uint64_t x = drawn.storage.lal - 7; x >= 10; x /= 10) ++d;
    ++decades[d];
  }
  // Seven decades, each about a seventh of the runs: small LALs come up as often as large.
  for (int d = 0; d < 7; ++d) {
    EXPECT_GT(decades[d], 50) << "decade " << d;
    EXPECT_LT(decades[d], 150) << "decade " << d;
  }
}

TEST(SwarmConfiguration, TheRunPrintsItsDrawnConfigurationAndOverridesWin) {
  RunSpec run;
  run.seed = 3;
  run.ops = 50;
  run.nodes = 2;
  const RunReport r = run_seed(run);
  EXPECT_NE(r.configuration.find("config: compute_nodes="), std::string::npos) << r.configuration;
  // --nodes overrides what the seed drew.
  EXPECT_NE(r.configuration.find("workload: mtr compute_nodes=2 "), std::string::npos)
      << r.configuration;
}

// The paths the configuration draw exists to reach: each in a good share of default runs.
TEST(SwarmConfiguration, TheDefaultSpecReachesTheEnginesPathsRegularly) {
  constexpr int kSeeds = 60;
  std::map<std::string, int> reached;
  for (std::uint64_t seed = 1; seed <= kSeeds; ++seed) {
    RunSpec run;
    run.seed = seed;
    const RunReport r = run_seed(run);
    EXPECT_TRUE(r.passed) << "seed " << seed;
    for (const std::string& mark : r.coverage) ++reached[mark];
  }
  for (const char* mark : {"lal_wait", "segment_rotated", "segment_tiered",
                           "gc_below_held_read_point", "image_compacted", "crash_point_crashed"}) {
    EXPECT_GE(reached[mark], kSeeds / 20) << mark << " reached in " << reached[mark] << " of "
                                          << kSeeds << " runs";
  }
}

}  // namespace
}  // namespace aurora::workloads
