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

std::string hash_from_separate_process(std::uint64_t seed, const std::string& summary,
                                      const std::string& spec = "") {
  std::remove(summary.c_str());
  const std::string cmd = std::string(AURORA_SIM_BINARY) + " --seed " + std::to_string(seed) +
                          (spec.empty() ? std::string() : " --spec " + spec) +
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

// Every network fault on (the network_faults spec): lost, duplicated, damaged and late
// messages, partitions and clogs are all drawn from the seed.
TEST(Determinism, EveryNetworkFaultOnSameHashTwiceInOneProcessAndAcrossTwo) {
  const std::string summary = ::testing::TempDir() + "determinism_net_summary.jsonl";
  Result<Spec> spec = find_spec("network_faults");
  ASSERT_TRUE(spec.is_ok()) << spec.status().to_string();
  for (std::uint64_t seed : {1, 2, 3}) {
    RunSpec run;
    run.seed = seed;
    run.spec = *spec;
    run.spec_arg = "network_faults";
    const RunReport a = run_seed(run);
    const RunReport b = run_seed(run);
    ASSERT_EQ(a.trace_hash, b.trace_hash) << "seed " << seed;
    EXPECT_GT(a.net.dropped, 0u) << "seed " << seed << ": the network's faults were not on";
    EXPECT_GT(a.net.duplicated, 0u) << "seed " << seed;
    const std::string first = hash_from_separate_process(seed, summary, "network_faults");
    EXPECT_EQ(first, hash_from_separate_process(seed, summary, "network_faults")) << seed;
    EXPECT_EQ(first, sim::Trace::format_hash(a.trace_hash)) << "seed " << seed;
  }
}

}  // namespace
}  // namespace aurora::workloads
