#include "sim/rng.h"

#include <gtest/gtest.h>

#include <set>

namespace aurora::sim {
namespace {

TEST(Rng, SameSeedAndNameSameSequence) {
  Rng a(7, "faults"), b(7, "faults");
  for (int i = 0; i < 100; ++i) EXPECT_EQ(a.next(), b.next());
}

TEST(Rng, StreamsAreIndependent) {
  // Drawing extra numbers from one stream must not shift another stream's sequence.
  Rng faults_a(7, "faults"), sched_a(7, "scheduler");
  Rng faults_b(7, "faults"), sched_b(7, "scheduler");
  for (int i = 0; i < 10; ++i) (void)faults_b.next();  // one run draws more faults
  for (int i = 0; i < 100; ++i) EXPECT_EQ(sched_a.next(), sched_b.next());
  (void)faults_a;
}

TEST(Rng, DifferentNamesAndSeedsDiffer) {
  EXPECT_NE(Rng(7, "faults").next(), Rng(7, "scheduler").next());
  EXPECT_NE(Rng(7, "faults").next(), Rng(8, "faults").next());
}

TEST(Rng, BelowAndRangeStayInBoundsAndCoverThem) {
  Rng r(1, "t");
  std::set<std::uint64_t> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::uint64_t x = r.below(6);
    ASSERT_LT(x, 6u);
    seen.insert(x);
  }
  EXPECT_EQ(seen.size(), 6u);
  for (int i = 0; i < 1000; ++i) {
    const std::int64_t y = r.range(-3, 3);
    ASSERT_GE(y, -3);
    ASSERT_LE(y, 3);
  }
}

TEST(Rng, ChanceExtremesAndRate) {
  Rng r(2, "t");
  int hits = 0;
  for (int i = 0; i < 10000; ++i) {
    EXPECT_FALSE(r.chance(0.0));
    EXPECT_TRUE(r.chance(1.0));
    hits += r.chance(0.25) ? 1 : 0;
  }
  EXPECT_NEAR(hits / 10000.0, 0.25, 0.02);
}

TEST(Rng, KnownValuesPinTheGenerator) {
  // Traces and seeds in seeds/ depend on these exact sequences: a change here changes
  // every run's trace hash, which must be a deliberate decision.
  Rng r(1, "scheduler");
  const std::uint64_t first = r.next();
  Rng again(1, "scheduler");
  EXPECT_EQ(first, again.next());
  EXPECT_EQ(stream_key(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(stream_key("a"), 0xaf63dc4c8601ec8cULL);
}

TEST(Rng, PickWeightedFollowsTheWeightsAndNeverPicksAZeroWeight) {
  Rng r(3, "pick");
  const double weights[] = {1, 0, 3};
  std::uint64_t counts[3] = {0, 0, 0};
  for (int i = 0; i < 40'000; ++i) ++counts[r.pick_weighted(weights)];
  EXPECT_EQ(counts[1], 0u);
  EXPECT_NEAR(static_cast<double>(counts[2]) / counts[0], 3.0, 0.2);
  const double only_last[] = {0, 0, 5};
  EXPECT_EQ(r.pick_weighted(only_last), 2u);
}

}  // namespace
}  // namespace aurora::sim
