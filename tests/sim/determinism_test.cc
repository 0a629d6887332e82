// Same seed, same binary: same trace hash — in one process and across two.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "workloads/run.h"

namespace aurora::workloads {
namespace {

RunSpec small(std::uint64_t seed) {
  RunSpec spec;
  spec.seed = seed;
  spec.ops = 300;
  return spec;
}

TEST(Determinism, HundredSeedsTwiceInOneProcess) {
  std::set<std::uint64_t> hashes;
  for (std::uint64_t seed = 1; seed <= 100; ++seed) {
    const RunReport a = run_seed(small(seed));
    const RunReport b = run_seed(small(seed));
    ASSERT_EQ(a.trace_hash, b.trace_hash) << "seed " << seed;
    ASSERT_EQ(a.events, b.events) << "seed " << seed;
    ASSERT_EQ(a.checkpoints, b.checkpoints) << "seed " << seed;
    EXPECT_TRUE(a.passed) << "seed " << seed << ": " << a.violations.size() << " violations, first: "
                          << (a.violations.empty() ? "" : a.violations[0].message);
    hashes.insert(a.trace_hash);
  }
  EXPECT_EQ(hashes.size(), 100u);  // different seeds really run differently
}

TEST(Determinism, PctRunsAreDeterministicToo) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    RunSpec spec = small(seed);
    spec.scheduler = sim::SchedulerKind::kPct;
    EXPECT_EQ(run_seed(spec).trace_hash, run_seed(spec).trace_hash) << "seed " << seed;
  }
}

std::string hash_from_separate_process(std::uint64_t seed, const std::string& summary) {
  std::remove(summary.c_str());
  const std::string cmd = std::string(AURORA_SIM_BINARY) + " --seed " + std::to_string(seed) +
                          " --no-color --summary-json " + summary + " > /dev/null";
  const int rc = std::system(cmd.c_str());
  EXPECT_EQ(rc, 0) << cmd;
  std::ifstream in(summary);
  std::string line;
  std::getline(in, line);
  return nlohmann::json::parse(line)["trace_hash"];
}

TEST(Determinism, SameHashAcrossTwoProcessesAndInProcess) {
  const std::string summary = ::testing::TempDir() + "determinism_summary.jsonl";
  for (std::uint64_t seed : {1, 7, 12345}) {
    const std::string first = hash_from_separate_process(seed, summary);
    const std::string second = hash_from_separate_process(seed, summary);
    EXPECT_EQ(first, second) << "seed " << seed;
    RunSpec spec;  // the CLI's defaults
    spec.seed = seed;
    EXPECT_EQ(first, sim::Trace::format_hash(run_seed(spec).trace_hash))
        << "seed " << seed << ": the CLI and the library disagree";
  }
}

}  // namespace
}  // namespace aurora::workloads
