// sim --record-choices / --replay-choices through the binary: a replay is the recorded run
// (same trace hash), the file's flags apply unless given again, and bad input (a broken
// file, a replay with a seed) exits 2 naming the problem, running nothing.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "tests/tools/run_sim.h"

namespace aurora::testing {
namespace {

// The run's "trace_hash: 0x..." value ("" when there is none). No std::regex: GCC 12 warns
// falsely inside it under the sanitizers (GCC bug 105616).
std::string hash_of(const std::string& output) {
  const std::string key = "trace_hash: 0x";
  const std::size_t at = output.find(key);
  if (at == std::string::npos) return "";
  const std::size_t end = output.find_first_not_of("0123456789abcdef", at + key.size());
  return output.substr(at + key.size() - 2, end - (at + key.size() - 2));
}

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("aurora-choices-" + std::to_string(::getpid()) + "-" + name))
      .string();
}

TEST(ChoicesCommand, AReplayIsTheRecordedRun) {
  const std::string file = temp_path("a.choices");
  const SimRun recorded = run_sim("--seed 6 --ops 300 --crashes 2 --record-choices " + file);
  ASSERT_EQ(recorded.code, 0) << recorded.output;
  EXPECT_NE(recorded.output.find("choices: recorded "), std::string::npos) << recorded.output;
  EXPECT_NE(recorded.output.find("(replay: sim --replay-choices " + file + " --ops 300 --crashes 2)"),
            std::string::npos)
      << recorded.output;
  // The file carries the run's flags: none are needed to replay it.
  const SimRun replayed = run_sim("--replay-choices " + file);
  ASSERT_EQ(replayed.code, 0) << replayed.output;
  EXPECT_EQ(hash_of(replayed.output), hash_of(recorded.output));
  EXPECT_NE(hash_of(replayed.output), "");
  EXPECT_NE(replayed.output.find("seed: 6"), std::string::npos);
  EXPECT_EQ(replayed.output.find("neutral"), std::string::npos) << replayed.output;
  // A flag given again wins over the file's: fewer ops, and the tape runs out of nothing.
  const SimRun fewer = run_sim("--replay-choices " + file + " --ops 100");
  ASSERT_EQ(fewer.code, 0) << fewer.output;
  EXPECT_NE(hash_of(fewer.output), hash_of(recorded.output));
  std::filesystem::remove(file);
}

TEST(ChoicesCommand, ATapeCutShortGoesOnNeutrally) {
  const std::string file = temp_path("short.choices");
  {
    std::ofstream out(file);
    out << "aurora-choices 1\nseed 2\nflag --ops 200\nstream workload 1\n5\nend\n";
  }
  const SimRun a = run_sim("--replay-choices " + file);
  const SimRun b = run_sim("--replay-choices " + file);
  ASSERT_EQ(a.code, 0) << a.output;
  EXPECT_NE(a.output.find("draws past its end were neutral"), std::string::npos) << a.output;
  EXPECT_EQ(hash_of(a.output), hash_of(b.output));
  std::filesystem::remove(file);
}

TEST(ChoicesCommand, BadInputExitsTwoAndNamesIt) {
  const std::string file = temp_path("bad.choices");
  {
    std::ofstream out(file);
    out << "aurora-choices 1\nseed 2\nstream workload 2\n5\nend\n";
  }
  SimRun r = run_sim("--replay-choices " + file);
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find(file + ":5: "), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("result:"), std::string::npos) << "ran anyway:\n" << r.output;

  r = run_sim("--replay-choices " + temp_path("missing.choices"));
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.output.find("cannot read choice file"), std::string::npos) << r.output;

  {
    std::ofstream out(file);
    out << "aurora-choices 1\nseed 2\nflag --ops many\nend\n";
  }
  r = run_sim("--replay-choices " + file);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.output.find(file + ": its flags:"), std::string::npos) << r.output;

  r = run_sim("--seed 3 --replay-choices " + file);
  EXPECT_EQ(r.code, 2) << r.output;

  r = run_sim("--seed 3 --ops 10 --record-choices /nonexistent-dir/x.choices");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_EQ(r.output.find("result:"), std::string::npos) << r.output;
  std::filesystem::remove(file);
}

}  // namespace
}  // namespace aurora::testing
