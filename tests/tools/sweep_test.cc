// `sim sweep` and `sim seeds add`, driven through the binary as a user runs them.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <set>
#include <utility>

#include "tests/engine/temp_dir.h"
#include "tests/tools/run_sim.h"

namespace {

using aurora::testing::run_sim;
using aurora::testing::TempDir;

std::vector<nlohmann::json> read_lines(const std::string& path) {
  std::vector<nlohmann::json> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    lines.push_back(nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false));
  }
  return lines;
}

// A spec whose liveness bound no engine can meet: every seed fails its liveness check.
std::string impossible_spec(const TempDir& dir) {
  const std::string path = dir.path + "/impossible.toml";
  std::ofstream(path) << "[meta]\nname = \"impossible\"\n[workload]\nops = 40\n"
                         "liveness_ops = 100000\nliveness_bound_ms = 1\n";
  return path;
}

TEST(Sweep, RunsEverySeedUnderEverySpecAndWritesOneJsonLineEach) {
  TempDir dir;
  const std::string out = dir.path + "/results.jsonl";
  const auto r = run_sim("sweep --seeds 3..6 --spec default --spec torn_writes --ops 200 --jobs 2 --out " + out);
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("passed: 8  failed: 0"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("coverage: "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("median run: time_compression "), std::string::npos) << r.output;
  std::set<std::pair<std::uint64_t, std::string>> runs;
  for (const nlohmann::json& j : read_lines(out)) {
    ASSERT_TRUE(j.is_object());
    EXPECT_EQ(j["result"], "pass");
    // Each run's speed: virtual time per wall time, and events per wall second.
    const double wall = j["wall_ns"].get<double>();
    ASSERT_GT(wall, 0);
    EXPECT_DOUBLE_EQ(j["time_compression"].get<double>(), j["sim_time_ns"].get<double>() / wall);
    EXPECT_DOUBLE_EQ(j["events_per_s"].get<double>(), j["events"].get<double>() * 1e9 / wall);
    const auto seed = j["seed"].get<std::uint64_t>();
    const auto spec = j["spec"].get<std::string>();
    EXPECT_EQ(j["reproduce"], "sim --seed " + std::to_string(seed) + " --spec " + spec + " --ops 200");
    runs.emplace(seed, spec);
  }
  std::set<std::pair<std::uint64_t, std::string>> expected;
  for (std::uint64_t s = 3; s <= 6; ++s) {
    expected.emplace(s, "default");
    expected.emplace(s, "torn_writes");
  }
  EXPECT_EQ(runs, expected);
}

TEST(Sweep, ShardsSplitTheRunsWithoutOverlap) {
  TempDir dir;
  std::multiset<std::uint64_t> seen;
  for (int i = 1; i <= 3; ++i) {
    const std::string out = dir.path + "/shard" + std::to_string(i) + ".jsonl";
    const auto r = run_sim("sweep --seeds 10..17 --ops 50 --jobs 2 --shard " + std::to_string(i) +
                           "/3 --out " + out);
    ASSERT_EQ(r.code, 0) << r.output;
    for (const nlohmann::json& j : read_lines(out)) seen.insert(j["seed"].get<std::uint64_t>());
  }
  EXPECT_EQ(seen, (std::multiset<std::uint64_t>{10, 11, 12, 13, 14, 15, 16, 17}));
}

TEST(Sweep, AFailingSeedIsReportedWithTheCommandThatReproducesIt) {
  TempDir dir;
  const std::string spec = impossible_spec(dir);
  const std::string out = dir.path + "/results.jsonl";
  const auto r = run_sim("sweep --seeds 1..2 --jobs 2 --spec " + spec + " --out " + out);
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("passed: 0  failed: 2"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("FAIL sim --seed 1 --spec " + spec), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("liveness: after faults were switched off"), std::string::npos) << r.output;
  const auto lines = read_lines(out);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["result"], "fail");
  EXPECT_EQ(lines[0]["violations"][0]["invariant"], "liveness");
  // The reproduce command fails the same way on its own.
  const auto again = run_sim("--seed 1 --spec " + spec);
  EXPECT_EQ(again.code, 1) << again.output;
  EXPECT_NE(again.output.find("VIOLATION liveness"), std::string::npos) << again.output;
}

TEST(Sweep, AWorkerOverTheTimeLimitFailsThatSeedNotTheSweep) {
  TempDir dir;
  const std::string out = dir.path + "/results.jsonl";
  // A million operations take seconds; the limit is a tenth of one.
  const auto r = run_sim("sweep --seeds 1..1 --ops 1000000 --timeout 0.1 --out " + out);
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("CRASH sim --seed 1 --ops 1000000"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("the worker exceeded the time limit of 0.1 s"), std::string::npos)
      << r.output;
  const auto lines = read_lines(out);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["result"], "crash");
}

TEST(Sweep, CtrlCStopsWithAPartialSummary) {
  TempDir dir;
  const std::string out = dir.path + "/results.jsonl";
  // Ctrl-C once the first run is written (not after a fixed time, which a loaded machine
  // running the sanitizer build may not give a run to finish in): the shell starts the
  // sweep, waits for its first line (at most 300 s), interrupts it and exits as it did.
  const std::string sim = AURORA_SIM_BINARY;
  const std::string script = "\"" + sim + "\" sweep --seeds 1..1000000 --ops 50 --jobs 2 --out " +
                             out + " 2>&1 & p=$!; i=0; while [ ! -s " + out +
                             " ] && [ $i -lt 3000 ]; do sleep 0.1; i=$((i+1)); done; "
                             "kill -INT $p; wait $p";
  const auto r = aurora::testing::run_shell("sh -c '" + script + "'");
  EXPECT_EQ(r.code, 130) << r.output;
  EXPECT_NE(r.output.find("(interrupted)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("result: interrupted"), std::string::npos) << r.output;
  const auto lines = read_lines(out);
  EXPECT_FALSE(lines.empty());
  for (const auto& j : lines) EXPECT_EQ(j["result"], "pass");  // none cut off half-way
}

TEST(Sweep, BadFlagsExitTwoAndSayWhy) {
  for (const auto& [args, why] : std::vector<std::pair<std::string, std::string>>{
           {"sweep --seeds 9..2", "the range ends before it starts"},
           {"sweep --seeds x", "is not a seed range"},
           {"sweep --seeds 1..3 --shard 0/2", "is not a shard"},
           {"sweep --seeds 1..3 --shard 3/2", "is not a shard"},
           {"sweep --seeds 1..3 --spec no_such_spec", "--spec no_such_spec"},
           {"sweep --seeds 1..3 --out /no/such/dir/x.jsonl", "cannot write"},
           {"--ops 5", "--seed is required"}}) {
    const auto r = run_sim(args);
    EXPECT_EQ(r.code, 2) << args << "\n" << r.output;
    EXPECT_NE(r.output.find(why), std::string::npos) << args << "\n" << r.output;
  }
}

TEST(SeedsAdd, AddsAFailingSeedWithWhatItFound) {
  TempDir dir;
  const std::string spec = impossible_spec(dir);
  const auto r = run_sim("seeds add --seed 4 --spec " + spec + " --dir " + dir.path);
  ASSERT_EQ(r.code, 0) << r.output;
  const std::string file = dir.path + "/4-impossible-liveness.json";
  ASSERT_TRUE(std::filesystem::exists(file)) << r.output;
  std::ifstream in(file);
  const nlohmann::json entry = nlohmann::json::parse(in);
  EXPECT_EQ(entry["seed"], 4);
  EXPECT_EQ(entry["args"], (nlohmann::json{"--spec", spec}));
  EXPECT_NE(entry["found"].get<std::string>().find("liveness: after faults were switched off"),
            std::string::npos);
  EXPECT_EQ(entry["fixed_by"], "");
  // Never overwritten.
  const auto again = run_sim("seeds add --seed 4 --spec " + spec + " --dir " + dir.path);
  EXPECT_EQ(again.code, 2) << again.output;
  EXPECT_NE(again.output.find("exists already"), std::string::npos) << again.output;
}

TEST(SeedsAdd, APassingSeedNeedsWhatItFoundAndTheFix) {
  TempDir dir;
  const auto bare = run_sim("seeds add --seed 2 --ops 50 --dir " + dir.path);
  EXPECT_EQ(bare.code, 2) << bare.output;
  EXPECT_NE(bare.output.find("passes"), std::string::npos) << bare.output;
  const auto full = run_sim("seeds add --seed 2 --ops 50 --found 'a bug' --fixed-by abc123 --name my-bug --dir " + dir.path);
  ASSERT_EQ(full.code, 0) << full.output;
  std::ifstream in(dir.path + "/2-my-bug.json");
  const nlohmann::json entry = nlohmann::json::parse(in);
  EXPECT_EQ(entry["found"], "a bug");
  EXPECT_EQ(entry["fixed_by"], "abc123");
  EXPECT_EQ(entry["args"], (nlohmann::json{"--ops", "50"}));
}

}  // namespace
