// sim demo against its golden transcript (tests/tools/golden/demo.txt), and viz-demo's
// diagrams. The demo runs in simulation with a fixed seed, so its output, virtual times
// included, is the same on every machine. After an intended change to the demo or the
// engine, regenerate the golden file with
//   build/release/tools/sim demo --no-color > tests/tools/golden/demo.txt
// and read the diff before committing it.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "tests/tools/run_sim.h"

namespace aurora::shell {
namespace {

using testing::run_sim;

std::string golden(const std::string& name) {
  std::ifstream in(std::string(AURORA_SOURCE_DIR) + "/tests/tools/golden/" + name);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(Demo, MatchesItsGoldenTranscript) {
  const auto r = run_sim("demo --no-color", "", /*with_stderr=*/false);
  EXPECT_EQ(r.code, 0);
  const std::string want = golden("demo.txt");
  ASSERT_FALSE(want.empty()) << "tests/tools/golden/demo.txt is missing";
  EXPECT_EQ(r.output, want);
}

TEST(Demo, NoColorAlsoFromTheEnvironment) {
  const auto r = run_sim("demo", "NO_COLOR=1 ");
  EXPECT_EQ(r.output.find('\x1b'), std::string::npos);
}

TEST(Demo, VizDemoDrawsEveryKindOfStep) {
  const auto r = run_sim("viz-demo --no-color --delay 0");
  EXPECT_EQ(r.code, 0) << r.output;
  for (const char* drawn : {"-- WAL append", "-- VCL/VDL advance", "-- chain walk", "-- materialize",
                            "-- cache hit", "-- cache insert", "-- recovery: truncation"}) {
    EXPECT_NE(r.output.find(drawn), std::string::npos) << drawn;
  }
  // The tour's own lines are the demo's.
  EXPECT_NE(r.output.find("demo: done"), std::string::npos);
}

TEST(Demo, RunsOnRealFilesAndTheVolumePersists) {
  const std::string dir = ::testing::TempDir() + "aurora-demo-" + std::to_string(::getpid());
  const auto first = run_sim("demo --no-color --fs posix --data-dir " + dir);
  EXPECT_EQ(first.code, 0) << first.output;
  // The same volume again: recovery finds the first run's writes (epoch moves on).
  const auto again = run_sim("repl --no-color --fs posix --data-dir " + dir,
                             "printf 'get 1\\nstate\\n' | ");
  EXPECT_EQ(again.code, 0) << again.output;
  EXPECT_NE(again.output.find("\"hello world\""), std::string::npos) << again.output;
  EXPECT_NE(again.output.find("storage: up, epoch 3"), std::string::npos) << again.output;
  std::system(("rm -rf " + dir).c_str());
}

}  // namespace
}  // namespace aurora::shell
