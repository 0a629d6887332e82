// --check-determinism's comparison: it must name the first event at which two runs of one
// seed part, with run 1's and run 2's version of it, whatever kind of difference it is.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/tools/run_sim.h"
#include "tools/sim/determinism.h"

namespace aurora::tools {
namespace {

// A "run" that writes the given lines; the n-th call writes runs[n].
struct ScriptedRuns {
  std::vector<std::vector<std::string>> runs;
  std::size_t calls = 0;
  void operator()(sim::TraceWriter& w) {
    const auto& lines = runs.at(std::min(calls++, runs.size() - 1));
    for (const auto& l : lines) w.write_line(l);
  }
};

std::optional<Divergence> divergence_of(std::vector<std::vector<std::string>> runs, std::size_t context = 2) {
  ScriptedRuns scripted{std::move(runs)};
  return find_divergence([&](sim::TraceWriter& w) { scripted(w); }, context);
}

TEST(Determinism, IdenticalRunsHaveNoDivergence) {
  EXPECT_FALSE(divergence_of({{"a", "b", "c"}}).has_value());
}

TEST(Determinism, NamesTheFirstDifferentEventWithBothVersionsAndContext) {
  // Runs 1 and 3 agree (the third run confirms run 1); run 2 parts at event 4.
  const std::vector<std::string> one{"e1", "e2", "e3", "e4-run1", "e5"};
  const std::vector<std::string> two{"e1", "e2", "e3", "e4-run2", "e5", "e6"};
  const auto d = divergence_of({one, two, one});
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->event, 4u);
  EXPECT_EQ(d->first, "e4-run1");
  EXPECT_EQ(d->second, "e4-run2");
  EXPECT_EQ(d->before, (std::vector<std::string>{"e2", "e3"}));
  EXPECT_TRUE(d->first_confirmed);
  EXPECT_NE(d->describe().find("part at event 4"), std::string::npos) << d->describe();
  EXPECT_NE(d->summary().find("the event differs"), std::string::npos) << d->summary();
}

TEST(Determinism, ARunThatEndsEarlyOrGoesOnIsADivergence) {
  const auto shorter = divergence_of({{"a", "b", "c"}, {"a", "b"}, {"a", "b", "c"}});
  ASSERT_TRUE(shorter.has_value());
  EXPECT_EQ(shorter->event, 3u);
  EXPECT_EQ(shorter->first, "c");
  EXPECT_EQ(shorter->second, "");
  EXPECT_NE(shorter->summary().find("run 2 ended there"), std::string::npos);

  const auto longer = divergence_of({{"a", "b"}, {"a", "b", "x"}});
  ASSERT_TRUE(longer.has_value());
  EXPECT_EQ(longer->event, 3u);
  EXPECT_EQ(longer->first, "");
  EXPECT_EQ(longer->second, "x");
  EXPECT_NE(longer->summary().find("run 1 ended there"), std::string::npos);
}

TEST(Determinism, SaysSoWhenAThirdRunDoesNotReproduceTheFirst) {
  const auto d = divergence_of({{"a", "b", "c"}, {"a", "b", "x"}, {"z", "b", "y"}});
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->event, 3u);
  EXPECT_FALSE(d->first_confirmed);
  EXPECT_NE(d->describe().find("a third run did not match run 1"), std::string::npos);
}

// A run of `n` lines "e1".."en", with line `changed` (if any) replaced by `instead`.
std::vector<std::string> long_run(std::size_t n, std::size_t changed = 0, std::string instead = "") {
  std::vector<std::string> lines;
  lines.reserve(n);
  for (std::size_t i = 1; i <= n; ++i) {
    std::string line = "e";  // appended, not "e" + ...: GCC 12's false -Wrestrict
    line += std::to_string(i);
    lines.push_back(i == changed ? instead : line);
  }
  return lines;
}

// Runs far longer than the checkpoints kept: run 1's record stays bounded, and the first
// difference is still named exactly, with its context, however deep it lies.
TEST(Determinism, NamesTheExactEventDeepInARunLongerThanItsCheckpoints) {
  constexpr std::size_t kLines = 300'000;
  TraceRecorder recorder;
  for (const std::string& l : long_run(kLines)) recorder.write_line(l);
  EXPECT_LE(recorder.checkpoints().points().size(), TraceRecorder::kCheckpoints);
  EXPECT_GT(recorder.checkpoints().interval(), 1u);

  const auto d = divergence_of({long_run(kLines), long_run(kLines, 123'457, "x"), long_run(kLines)}, 3);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->event, 123'457u);
  EXPECT_EQ(d->first, "e123457");
  EXPECT_EQ(d->second, "x");
  EXPECT_EQ(d->before, (std::vector<std::string>{"e123454", "e123455", "e123456"}));
  EXPECT_TRUE(d->first_confirmed);

  const auto shorter = divergence_of({long_run(kLines), long_run(200'001), long_run(kLines)});
  ASSERT_TRUE(shorter.has_value());
  EXPECT_EQ(shorter->event, 200'002u);
  EXPECT_EQ(shorter->first, "e200002");
  EXPECT_EQ(shorter->second, "");
}

TEST(Determinism, TheSimCommandFindsEverySeedItRunsDeterministic) {
  for (const char* args : {"--seed 11 --check-determinism", "--seed 12 --spec torn_writes --check-determinism"}) {
    const auto r = aurora::testing::run_sim(args);
    EXPECT_EQ(r.code, 0) << r.output;
    EXPECT_NE(r.output.find("determinism: same trace twice"), std::string::npos) << r.output;
  }
}

}  // namespace
}  // namespace aurora::tools
