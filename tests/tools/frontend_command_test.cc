// The front ends' shared flags through the sim command line: the trace files, the storage
// flags, real files, and bad flags.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "sim/trace_reader.h"
#include "tests/tools/run_sim.h"

namespace aurora::shell {
namespace {

using testing::run_sim;

std::string scratch(const std::string& name) {
  return ::testing::TempDir() + "aurora-frontend-" + std::to_string(::getpid()) + "-" + name;
}

TEST(FrontEndCommand, TraceJsonHasEveryEventFromTheFirstRecoveryAsReadableLines) {
  const std::string path = scratch("demo.jsonl");
  const auto r = run_sim("demo --no-color --trace-json " + path);
  ASSERT_EQ(r.code, 0) << r.output;
  std::ifstream in(path);
  std::string line;
  std::uint64_t expect_seq = 1;
  bool saw_append = false, saw_recovery = false;
  while (std::getline(in, line)) {
    Result<sim::TraceEvent> e = sim::parse_trace_line(line);
    ASSERT_TRUE(e.is_ok()) << "line " << expect_seq << ": " << e.status().to_string();
    EXPECT_EQ(e->seq, expect_seq++);
    saw_append |= e->kind == "wal.append";
    saw_recovery |= e->kind == "recovery.annulled";
  }
  EXPECT_GT(expect_seq, 100u);
  EXPECT_TRUE(saw_append);
  EXPECT_TRUE(saw_recovery);
  std::remove(path.c_str());
}

TEST(FrontEndCommand, TracePerfettoIsValidJsonWithThreadsSlicesCountersAndInstants) {
  const std::string path = scratch("demo.perfetto.json");
  const auto r = run_sim("scenario crash_recovery --no-color --trace-perfetto " + path);
  ASSERT_EQ(r.code, 0) << r.output;
  std::ifstream in(path);
  const nlohmann::json trace = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  ASSERT_FALSE(trace.is_discarded()) << "not valid JSON";
  std::set<std::string> phases;
  std::set<std::string> counters;
  for (const auto& e : trace.at("traceEvents")) {
    phases.insert(e.at("ph").get<std::string>());
    if (e.at("ph") == "C") counters.insert(e.at("name").get<std::string>());
  }
  for (const char* ph : {"M", "X", "C", "i"}) EXPECT_TRUE(phases.contains(ph)) << ph;
  EXPECT_FALSE(counters.empty());
  std::remove(path.c_str());
}

TEST(FrontEndCommand, StorageFlagsReachTheEngine) {
  // Small segments and a cold tier: cold_reads reads versions whose segments were tiered.
  const auto r = run_sim(
      "scenario cold_reads --no-color --preset tiered --segment-size 1024 --cold-latency-ms 5");
  EXPECT_EQ(r.code, 0) << r.output;
  const auto slow = run_sim(
      "scenario cold_reads --no-color --preset tiered --segment-size 1024 --cold-latency-ms 40");
  EXPECT_EQ(slow.code, 0) << slow.output;
  // The cold-tier latency shows in the virtual time the run took.
  EXPECT_NE(r.output, slow.output);
}

TEST(FrontEndCommand, VizReplOnRealFiles) {
  const std::string dir = scratch("viz-repl");
  const auto r = run_sim("viz-repl --no-color --delay 0 --fs posix --data-dir " + dir,
                         "printf 'put 3 0 hello\\nnode B\\nget 3\\nrefresh\\nget 3\\n' | ");
  EXPECT_EQ(r.code, 0) << r.output;
  const auto before = r.output.find("B: page 3 at read point 0: (empty)");
  const auto after = r.output.find("\"hello\"", before == std::string::npos ? 0 : before);
  EXPECT_NE(before, std::string::npos) << r.output;
  EXPECT_NE(after, std::string::npos) << r.output;
  std::system(("rm -rf " + dir).c_str());
}

TEST(FrontEndCommand, ScenarioErrorsAreFileLineAndExitTwo) {
  const std::string path = scratch("bad.toml");
  std::ofstream(path) << "[meta]\nname = \"x\"\n\n[[steps]]\nop = \"jump\"\n";
  const auto r = run_sim("scenario " + path);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.output.find(path + ":5:"), std::string::npos) << r.output;
  std::remove(path.c_str());
}

TEST(FrontEndCommand, AMiniAuroraScenarioFileRuns) {
  // As mini-aurora's README writes one: page_id, data, value, an inline repeat.
  const std::string path = scratch("peer.toml");
  std::ofstream(path) << "[meta]\nname = \"My scenario\"\ndescription = \"peer\"\n\n"
                         "[[steps]]\nop = \"put\"\npage_id = 1\noffset = 0\ndata = \"hello\"\n"
                         "node = \"A\"\n\n"
                         "[[steps]]\nop = \"refresh\"\nnode = \"B\"\n\n"
                         "[[steps]]\nop = \"get\"\npage_id = 1\nnode = \"B\"\n\n"
                         "[[steps]]\nop = \"sleep_ms\"\nvalue = 100\n\n"
                         "[[steps]]\nop = \"repeat\"\ncount = 10\nsteps = [\n"
                         "    { op = \"put\", page_id = 1, offset = 0, data = \"loop\" },\n]\n";
  const auto r = run_sim("scenario --no-color " + path);
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("get B page 1 -> \"hello\""), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("result: pass  steps: 15"), std::string::npos) << r.output;
  std::remove(path.c_str());
}

}  // namespace
}  // namespace aurora::shell
