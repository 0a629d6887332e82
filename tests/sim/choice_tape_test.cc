// The choice tape: recording changes no draw, a replay answers every draw as recorded, and
// past a stream's end every kind of draw gets its neutral choice. A whole run replayed
// from its tape is the same run, event for event.
#include "sim/choice_tape.h"

#include <gtest/gtest.h>

#include <array>
#include <climits>

#include "sim/world.h"
#include "workloads/run.h"

namespace aurora::sim {
namespace {

// One of each kind of draw; the results, as numbers.
std::vector<std::uint64_t> draw_each_kind(Rng& r) {
  const std::array<double, 4> weights{0, 3, 1, 2};
  std::vector<std::uint64_t> out;
  for (int i = 0; i < 50; ++i) {
    out.push_back(r.below(7));
    out.push_back(static_cast<std::uint64_t>(r.range(-5, 5) + 5));
    out.push_back(r.chance(0.3) ? 1 : 0);
    out.push_back(static_cast<std::uint64_t>(r.unit() * 1e9));
    out.push_back(r.pick_weighted(weights));
    out.push_back(r.next());
  }
  return out;
}

TEST(ChoiceTape, RecordingChangesNoDraw) {
  Rng plain(11, "workload");
  ChoiceTape tape(11, /*record=*/true);
  EXPECT_EQ(draw_each_kind(plain), draw_each_kind(tape.stream("workload")));
  EXPECT_EQ(tape.recorded().streams.at("workload").size(), 300u);
}

TEST(ChoiceTape, UnitsStartWhereTheyAreMarkedAndDrawNothing) {
  Rng plain(11, "node/c0");
  ChoiceTape tape(11, /*record=*/true);
  Rng& marked = tape.stream("node/c0");
  std::vector<std::uint64_t> a, b;
  for (std::uint64_t op = 0; op < 4; ++op) {
    marked.mark_unit();
    marked.mark_unit();  // twice at one place: one unit
    for (std::uint64_t i = 0; i <= op; ++i) b.push_back(marked.below(100));
    for (std::uint64_t i = 0; i <= op; ++i) a.push_back(plain.below(100));
  }
  EXPECT_EQ(a, b);  // marking draws nothing
  const Choices got = tape.recorded();
  EXPECT_EQ(got.units.at("node/c0"), (std::vector<std::uint64_t>{0, 1, 3, 6}));
  EXPECT_EQ(got.streams.at("node/c0").size(), 10u);

  // A replay learns them again, where the replayed run marks them.
  Choices cut = got;
  cut.units.clear();
  cut.streams["node/c0"].erase(cut.streams["node/c0"].begin() + 1,
                               cut.streams["node/c0"].begin() + 3);  // the second unit
  ChoiceTape replay(11, cut);
  Rng& again = replay.stream("node/c0");
  for (int op = 0; op < 2; ++op) {
    again.mark_unit();
    (void)again.below(100);
  }
  EXPECT_EQ(replay.recorded().units.at("node/c0"), (std::vector<std::uint64_t>{0, 1}));

  // Without a recording, nothing is kept.
  ChoiceTape quiet(11);
  quiet.stream("workload").mark_unit();
  EXPECT_TRUE(quiet.recorded().units.empty());
}

TEST(ChoiceTape, ATapeThatRecordsNothingDrawsAsTheSeedsStreams) {
  ChoiceTape tape(11);
  Rng plain(11, "faults");
  EXPECT_EQ(draw_each_kind(plain), draw_each_kind(tape.stream("faults")));
  EXPECT_TRUE(tape.recorded().streams.empty());
}

TEST(ChoiceTape, ReplayAnswersEveryDrawAsRecorded) {
  ChoiceTape recording(5, true);
  const std::vector<std::uint64_t> first = draw_each_kind(recording.stream("node/c0"));
  // Another seed: a replay draws nothing from its seed.
  ChoiceTape replay(99, recording.recorded());
  EXPECT_EQ(draw_each_kind(replay.stream("node/c0")), first);
  EXPECT_EQ(replay.neutral_draws(), 0u);
  EXPECT_EQ(replay.recorded(), recording.recorded());
}

TEST(ChoiceTape, PastTheEndEveryDrawIsNeutral) {
  Choices c;
  c.streams["s"] = {4};
  ChoiceTape tape(1, c);
  Rng& r = tape.stream("s");
  EXPECT_EQ(r.below(10), 4u);  // the tape's one value
  EXPECT_EQ(r.below(10), 0u);  // the first option (first runnable fiber)
  EXPECT_FALSE(r.chance(0.99));  // no fault
  EXPECT_EQ(r.range(-3, 8), -3);  // the lowest value
  EXPECT_EQ(r.unit(), 0.0);
  EXPECT_EQ(r.next(), 0u);
  const std::array<double, 3> weights{0, 0, 5};
  EXPECT_EQ(r.pick_weighted(weights), 2u);  // the first option that has a weight
  EXPECT_EQ(tape.neutral_draws(), 6u);
  // A stream the tape does not list is neutral from its first draw.
  EXPECT_EQ(tape.stream("other").below(3), 0u);
  EXPECT_EQ(tape.neutral_draws(), 7u);
  // What the run used is kept, neutral choices included (the weighted pick as the 0 it was
  // answered with, which replays as the same pick).
  EXPECT_EQ(tape.recorded().streams.at("s"), (std::vector<std::uint64_t>{4, 0, 0, 0, 0, 0, 0}));
}

TEST(ChoiceTape, AValueOutOfRangeIsTheLargestInRange) {
  Choices c;
  c.streams["s"] = {9, 9, 7};
  ChoiceTape tape(1, c);
  Rng& r = tape.stream("s");
  EXPECT_EQ(r.below(3), 2u);
  EXPECT_TRUE(r.chance(0.0));  // 9 -> 1: true, even at probability 0
  EXPECT_EQ(r.range(10, 12), 12);
}

TEST(ChoiceTape, AReplayedIndexWithoutWeightIsTheFirstWithOne) {
  Choices c;
  c.streams["s"] = {0, 2};
  ChoiceTape tape(1, c);
  const std::array<double, 3> weights{0, 1, 0};
  EXPECT_EQ(tape.stream("s").pick_weighted(weights), 1u);
  EXPECT_EQ(tape.stream("s").pick_weighted(weights), 1u);
}

TEST(ChoiceTape, StreamsStayIndependentOnReplay) {
  ChoiceTape recording(3, true);
  const std::uint64_t a = recording.stream("a").below(1000);
  const std::uint64_t b = recording.stream("b").below(1000);
  Choices c = recording.recorded();
  c.streams.erase("a");  // a shrinker dropped a's decisions: b's stay where they were
  ChoiceTape replay(3, c);
  EXPECT_EQ(replay.stream("a").below(1000), 0u);
  EXPECT_EQ(replay.stream("b").below(1000), b);
  (void)a;
}

TEST(ChoiceTape, TheFullRangeKeepsItsValues) {
  Rng a(1, "t"), b(1, "t");
  EXPECT_EQ(a.range(LLONG_MIN, LLONG_MAX), static_cast<std::int64_t>(b.next()));
}

TEST(ChoiceTape, AWorldWithoutATapeDrawsAsItsSeed) {
  World world(WorldOptions{.seed = 8});
  Rng plain(8, "workload");
  EXPECT_EQ(world.stream("workload").next(), plain.next());
  EXPECT_EQ(&world.stream("workload"), &world.choices().stream("workload"));
}

// A whole run: replayed from its tape it is the same run; a tape cut short still runs to
// the end, on neutral choices, the same way every time.
TEST(ChoiceTape, AReplayedRunIsTheRecordedRun) {
  using workloads::RunSpec;
  for (const workloads::WorkloadKind kind :
       {workloads::WorkloadKind::kMtr, workloads::WorkloadKind::kFileChurn}) {
    const RunSpec spec{.seed = 4, .workload = kind, .ops = 300};
    ChoiceTape recording(4, true);
    const workloads::RunReport recorded = workloads::run_seed(spec, nullptr, &recording);
    ASSERT_TRUE(recorded.passed);
    const Choices tape = recording.recorded();
    ASSERT_GT(tape.size(), 1000u);

    ChoiceTape replaying(4, tape);
    const workloads::RunReport replayed = workloads::run_seed(spec, nullptr, &replaying);
    EXPECT_EQ(replayed.trace_hash, recorded.trace_hash);
    EXPECT_EQ(replayed.events, recorded.events);
    EXPECT_EQ(replaying.neutral_draws(), 0u);
    EXPECT_EQ(replaying.recorded(), tape);

    Choices cut = tape;
    for (auto& [name, values] : cut.streams) values.resize(values.size() / 2);
    ChoiceTape cut_a(4, cut), cut_b(4, cut);
    const workloads::RunReport a = workloads::run_seed(spec, nullptr, &cut_a);
    const workloads::RunReport b = workloads::run_seed(spec, nullptr, &cut_b);
    EXPECT_TRUE(a.passed) << (a.violations.empty() ? "" : a.violations.front().message);
    EXPECT_GT(cut_a.neutral_draws(), 0u);
    EXPECT_EQ(a.trace_hash, b.trace_hash);
    EXPECT_NE(a.trace_hash, recorded.trace_hash);
  }
}

}  // namespace
}  // namespace aurora::sim
