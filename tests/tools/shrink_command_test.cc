// sim sweep and sim shrink on the example systems, through the binary: the sweep finds
// each bug, shrink writes a minimized choice file whose replay reproduces the violation,
// it shrinks from a choice file as well as from a seed, and bad input exits 2.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/tools/run_sim.h"

namespace aurora::testing {
namespace {

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("aurora-shrink-" + std::to_string(::getpid()) + "-" + name))
      .string();
}

// "  operations  72  1": the original and minimized figures of a row of the size table
// ({-1, -1} when there is no such row). No std::regex: GCC 12 warns falsely inside it under
// the sanitizers (GCC bug 105616).
std::pair<long, long> row(const std::string& output, const std::string& name) {
  const std::size_t at = output.find("\n  " + name + " ");
  if (at == std::string::npos) return {-1, -1};
  std::istringstream line(output.substr(at + 3 + name.size(), output.find('\n', at + 1) - at));
  long before = -1, after = -1;
  if (!(line >> before >> after)) return {-1, -1};
  return {before, after};
}

TEST(ShrinkCommand, ASweepFindsEachExamplesBug) {
  for (const char* example : {"example/ack-before-fsync", "example/checksum-is-end"}) {
    const SimRun r = run_sim(std::string("sweep --seeds 1..12 -j 2 --workload ") + example);
    EXPECT_EQ(r.code, 1) << r.output;
    EXPECT_NE(r.output.find(std::string("FAIL sim --seed ") ), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("durability: key "), std::string::npos) << r.output;
    // The engine's coverage marks mean nothing for an example system.
    EXPECT_EQ(r.output.find("never reached"), std::string::npos) << r.output;
  }
}

TEST(ShrinkCommand, WritesAReproductionThatReplaysToTheViolation) {
  const std::string out = temp_path("min.choices");
  const SimRun r = run_sim("shrink --seed 6 --workload example/ack-before-fsync --out " + out);
  ASSERT_EQ(r.code, 0) << r.output;
  const auto [ops_before, ops_after] = row(r.output, "operations");
  const auto [crashes_before, crashes_after] = row(r.output, "crashes");
  EXPECT_EQ(ops_before, 174) << r.output;  // what `sim --seed 6 --workload ...` does
  EXPECT_GE(ops_after, 1);
  EXPECT_LE(ops_after * 10, ops_before) << r.output;
  EXPECT_LE(crashes_after, 1) << r.output;
  EXPECT_NE(row(r.output, "events").first, -1) << r.output;
  EXPECT_NE(row(r.output, "faults").first, -1) << r.output;
  EXPECT_NE(r.output.find("reproduce: sim --replay-choices " + out), std::string::npos) << r.output;

  const SimRun replay = run_sim("--replay-choices " + out);
  EXPECT_EQ(replay.code, 1) << replay.output;
  EXPECT_NE(replay.output.find("expected violation durability: reproduced"), std::string::npos)
      << replay.output;
  EXPECT_NE(replay.output.find("ops: " + std::to_string(ops_after) + " "), std::string::npos)
      << replay.output;

  // The written file shrinks again from itself, to no larger a run.
  const std::string again = temp_path("again.choices");
  const SimRun from = run_sim("shrink --from " + out + " --out " + again);
  ASSERT_EQ(from.code, 0) << from.output;
  EXPECT_LE(row(from.output, "operations").second, ops_after) << from.output;
  std::filesystem::remove(out);
  std::filesystem::remove(again);
}

TEST(ShrinkCommand, BadInputExitsTwo) {
  SimRun r = run_sim("shrink --seed 1 --ops 50 --out " + temp_path("never.choices"));
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("passes"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(temp_path("never.choices")));

  r = run_sim("shrink");
  EXPECT_EQ(r.code, 2) << r.output;

  const std::string bad = temp_path("bad.choices");
  std::ofstream(bad) << "aurora-choices 1\nseed x\nend\n";
  r = run_sim("shrink --from " + bad);
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find(bad + ":2:"), std::string::npos) << r.output;
  r = run_sim("shrink --from " + bad + " --seed 3");
  EXPECT_EQ(r.code, 2) << r.output;
  std::filesystem::remove(bad);
}

}  // namespace
}  // namespace aurora::testing
