// The shrinker (workloads/shrink.h) on the example systems with known bugs: every failing
// seed of a sweep shrinks to at most a tenth of its operations (at least one: a lost
// acknowledgement needs a put) and at most one crash, still violating the same invariant;
// the minimized tape replays to that violation; and a run that passes is refused. A budget
// (a fake clock) stops it with the best run so far, the same as that many runs would; a
// fault kind turned off never fires; and deleting whole operations (a toy system's) shrinks
// further than deleting runs of values.
#include "workloads/shrink.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace aurora::workloads {
namespace {

struct Case {
  WorkloadKind kind;
  std::uint64_t seeds;
};

TEST(Shrink, EveryFailingSeedOfTheExamplesShrinksTenfold) {
  for (const Case c : {Case{WorkloadKind::kExampleAckBeforeFsync, 10},
                       Case{WorkloadKind::kExampleChecksumIsEnd, 20}}) {
    int failing = 0;
    for (std::uint64_t seed = 1; seed <= c.seeds; ++seed) {
      const RunSpec spec{.seed = seed, .workload = c.kind};
      const RunReport original = run_seed(spec);
      if (original.passed) continue;
      ++failing;
      Result<ShrinkResult> r = shrink(spec, std::nullopt);
      ASSERT_TRUE(r.is_ok()) << r.status().message();
      const std::string where = std::string(workload_name(c.kind)) + " seed " + std::to_string(seed);
      EXPECT_EQ(r->invariant, original.violations.front().invariant) << where;
      EXPECT_EQ(r->original.ops, original.ops) << where;
      EXPECT_EQ(r->original.events, original.events) << where;
      EXPECT_LE(r->minimized.ops, std::max<std::uint64_t>(1, r->original.ops / 10)) << where;
      EXPECT_LE(r->minimized.crashes, 1u) << where;
      EXPECT_LT(r->minimized.events, r->original.events) << where;
      EXPECT_FALSE(r->exhausted) << where;

      // The minimized tape, replayed, is the minimized run.
      sim::ChoiceTape tape(r->spec.seed, r->choices);
      const RunReport again = run_seed(r->spec, nullptr, &tape);
      ASSERT_FALSE(again.violations.empty()) << where;
      EXPECT_EQ(again.violations.front().invariant, r->invariant) << where;
      EXPECT_EQ(again.ops, r->minimized.ops) << where;
      EXPECT_EQ(again.events, r->minimized.events) << where;
    }
    EXPECT_GE(failing, 3) << workload_name(c.kind) << ": the sweep should find the bug";
  }
}

TEST(Shrink, StartsFromATapeAsWellAsFromASeed) {
  const RunSpec spec{.seed = 2, .workload = WorkloadKind::kExampleAckBeforeFsync};
  sim::ChoiceTape recording(2, true);
  ASSERT_FALSE(run_seed(spec, nullptr, &recording).passed);
  Result<ShrinkResult> from_tape = shrink(spec, recording.recorded());
  Result<ShrinkResult> from_seed = shrink(spec, std::nullopt);
  ASSERT_TRUE(from_tape.is_ok() && from_seed.is_ok());
  EXPECT_EQ(from_tape->choices, from_seed->choices);
  EXPECT_EQ(from_tape->minimized.ops, from_seed->minimized.ops);
}

TEST(Shrink, KeepsOnlyRunsThatFailTheSameWay) {
  // Every step it keeps is reported; each is a run of the same invariant, each smaller.
  const RunSpec spec{.seed = 3, .workload = WorkloadKind::kExampleChecksumIsEnd};
  std::vector<std::string> steps;
  ShrinkOptions options;
  options.on_step = [&](const std::string& s) { steps.push_back(s); };
  Result<ShrinkResult> r = shrink(spec, std::nullopt, options);
  ASSERT_TRUE(r.is_ok());
  EXPECT_FALSE(steps.empty());
  EXPECT_EQ(r->minimized_violation.invariant, "durability");
  EXPECT_LE(r->minimized.faults, r->original.faults);
  EXPECT_GE(r->minimized.faults, 1u);  // this bug needs its bit flip
}

TEST(Shrink, AMaxRunsLimitStopsIt) {
  const RunSpec spec{.seed = 1, .workload = WorkloadKind::kExampleAckBeforeFsync};
  Result<ShrinkResult> r = shrink(spec, std::nullopt, ShrinkOptions{.max_runs = 3});
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r->runs, 3u);
  EXPECT_TRUE(r->exhausted);
}

TEST(Shrink, ARunThatPassesHasNothingToShrink) {
  const RunSpec spec{.seed = 1, .workload = WorkloadKind::kMtr, .ops = 100};
  Result<ShrinkResult> r = shrink(spec, std::nullopt);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.kind(), ErrorKind::kInvalidArgument);
  EXPECT_NE(r.status().message().find("passes"), std::string::npos);
}

TEST(Shrink, ABudgetStopsItWithTheBestRunSoFar) {
  const RunSpec spec{.seed = 6, .workload = WorkloadKind::kExampleAckBeforeFsync};
  // A fake clock: the budget is spent once it has been asked 8 times (before 8 runs).
  int asked = 0;
  std::vector<ShrinkProgress> progress;
  ShrinkOptions options;
  options.out_of_time = [&] { return ++asked > 7; };
  options.on_progress = [&](const ShrinkProgress& p) { progress.push_back(p); };
  Result<ShrinkResult> r = shrink(spec, std::nullopt, options);
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  EXPECT_EQ(r->runs, 7u);
  EXPECT_EQ(asked, 8);  // asked before each run, and not again once spent
  EXPECT_EQ(r->stopped_by, ShrinkStop::kBudget);
  EXPECT_TRUE(r->exhausted);
  EXPECT_EQ(r->minimized_violation.invariant, r->invariant);
  EXPECT_LE(r->minimized.ops, r->original.ops);
  // One progress report a run, the best never growing, the last one the result.
  ASSERT_EQ(progress.size(), 7u);
  for (std::size_t i = 1; i < progress.size(); ++i) {
    EXPECT_EQ(progress[i].runs, i + 1);
    EXPECT_LE(progress[i].best.ops, progress[i - 1].best.ops);
  }
  EXPECT_EQ(progress.back().best.ops, r->minimized.ops);

  // Which candidate is kept never depends on the clock: the same runs, the same result.
  Result<ShrinkResult> by_runs = shrink(spec, std::nullopt, ShrinkOptions{.max_runs = 7});
  ASSERT_TRUE(by_runs.is_ok());
  EXPECT_EQ(by_runs->stopped_by, ShrinkStop::kMaxRuns);
  EXPECT_EQ(by_runs->choices, r->choices);
  EXPECT_EQ(by_runs->minimized.ops, r->minimized.ops);

  // The best run so far replays to the same violation.
  sim::ChoiceTape tape(r->spec.seed, r->choices);
  const RunReport again = run_seed(r->spec, nullptr, &tape);
  ASSERT_FALSE(again.violations.empty());
  EXPECT_EQ(again.violations.front().invariant, r->invariant);
  EXPECT_EQ(again.ops, r->minimized.ops);

  // A budget spent before the first candidate: the original run, unshrunk.
  options.out_of_time = [] { return true; };
  Result<ShrinkResult> none = shrink(spec, std::nullopt, options);
  ASSERT_TRUE(none.is_ok());
  EXPECT_EQ(none->runs, 0u);
  EXPECT_EQ(none->stopped_by, ShrinkStop::kBudget);
  EXPECT_EQ(none->minimized.ops, none->original.ops);
}

TEST(Shrink, AFaultKindTurnedOffNeverFires) {
  int checked = 0;
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    RunSpec spec{.seed = seed, .workload = WorkloadKind::kExampleChecksumIsEnd};
    const RunReport on = run_seed(spec);
    for (std::size_t k = 0; k < sim::kFaultKindCount; ++k) {
      if (on.fired_by_kind[k] == 0) continue;
      spec.faults_off = {static_cast<sim::FaultKind>(k)};
      const RunReport off = run_seed(spec);
      EXPECT_EQ(off.fired_by_kind[k], 0u) << "seed " << seed << " kind " << k;
      ++checked;
    }
  }
  EXPECT_GE(checked, 3);
  // The checksum-is-end bug needs a bit flip: without one, every run passes.
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    const RunSpec spec{.seed = seed, .workload = WorkloadKind::kExampleChecksumIsEnd,
                       .faults_off = {sim::FaultKind::kBitFlip}};
    EXPECT_TRUE(run_seed(spec).passed) << "seed " << seed;
  }
}

TEST(Shrink, PagesOverrideThePagesAnMtrSpans) {
  RunSpec spec{.seed = 4, .ops = 200, .pages = 2};
  const Spec s = effective_spec(spec);
  EXPECT_EQ(s.workload.pages, 2u);
  EXPECT_EQ(s.workload.mtr_pages_max, 2u);
  EXPECT_TRUE(run_seed(spec).passed);
  spec.pages = 1;
  EXPECT_EQ(effective_spec(spec).workload.mtr_pages_max, 1u);
  EXPECT_TRUE(run_seed(spec).passed);
}

// --segment-bytes overrides the segment size the spec's [swarm] draws: with the smallest
// (a header and one byte) every record gets a segment of its own, and the run still passes.
TEST(Shrink, SegmentBytesOverrideTheDrawnSegmentSize) {
  RunSpec spec{.seed = 4, .ops = 200};
  sim::ChoiceTape drawn(spec.seed);
  EXPECT_NE(run_configuration(spec, drawn).storage.segment_bytes, 41u);
  spec.segment_bytes = 41;
  sim::ChoiceTape tape(spec.seed);
  EXPECT_EQ(run_configuration(spec, tape).storage.segment_bytes, 41u);
  EXPECT_EQ(run_shape(spec).segment_bytes, 41u);
  const RunReport report = run_seed(spec);
  EXPECT_TRUE(report.passed);
  EXPECT_NE(std::find(report.coverage.begin(), report.coverage.end(), "segment_rotated"),
            report.coverage.end());
  EXPECT_NE(report.configuration.find("segment_bytes=41"), std::string::npos)
      << report.configuration;
}

// A toy system for the unit pass: each operation draws its kind (0 to 3), then four values
// per kind (operations of different lengths, as the engine's are), and the
// run fails at the first kind-3 operation whose first value is above 90. Operations mark
// their starts, as the engine's workload does; `forget_units` hides them from the shrinker.
Trial toy_trial(const RunSpec& spec, const sim::Choices* replay, bool forget_units) {
  const std::unique_ptr<sim::ChoiceTape> tape = trial_tape(spec, replay);
  sim::Rng& rng = tape->stream("node/toy");
  Trial t;
  for (std::uint64_t op = 0; op < spec.ops.value_or(200) && !t.first; ++op) {
    rng.mark_unit();
    const std::uint64_t kind = rng.below(4);
    std::vector<std::uint64_t> values;
    for (std::uint64_t i = 0; i < 4 * kind; ++i) values.push_back(rng.below(100));
    t.size.ops = op + 1;
    if (kind == 3 && values[0] > 90) t.first = Violation{.invariant = "toy", .message = "op " + std::to_string(op)};
  }
  t.size.events = t.size.ops;
  t.used = tape->recorded();
  if (forget_units) t.used.units.clear();
  return t;
}

TEST(Shrink, DeletingWholeOperationsShrinksFurtherThanDeletingValues) {
  int compared = 0;
  std::uint64_t with_total = 0, without_total = 0;
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    const RunSpec spec{.seed = seed, .ops = 200};
    const Trial original = toy_trial(spec, nullptr, false);
    if (!original.first || original.size.ops < 10) continue;
    ++compared;
    // The same number of runs each way; the toy's --ops may not change (a long run's
    // failing operation seldom comes first), so only deletions bring it forward.
    const auto fixed_ops = [](bool forget) {
      return [forget](const RunSpec& s, const sim::Choices* replay) {
        return s.ops == std::optional<std::uint64_t>(200) ? toy_trial(s, replay, forget) : Trial{};
      };
    };
    Result<ShrinkResult> with = shrink(spec, std::nullopt, {.max_runs = 150, .runner = fixed_ops(false)});
    Result<ShrinkResult> without = shrink(spec, std::nullopt, {.max_runs = 150, .runner = fixed_ops(true)});
    ASSERT_TRUE(with.is_ok() && without.is_ok());
    EXPECT_EQ(with->minimized.ops, 1u) << "seed " << seed << ": the failing operation alone";
    EXPECT_LE(with->minimized.ops, without->minimized.ops) << "seed " << seed;
    with_total += with->minimized.ops;
    without_total += without->minimized.ops;
    // The minimized tape replays to the same failure.
    const Trial again = toy_trial(with->spec, &with->choices, false);
    ASSERT_TRUE(again.first.has_value());
    EXPECT_EQ(again.first->invariant, "toy");
    EXPECT_EQ(again.size.ops, with->minimized.ops);
  }
  EXPECT_GE(compared, 3);
  EXPECT_LT(with_total, without_total);
}

}  // namespace
}  // namespace aurora::workloads
