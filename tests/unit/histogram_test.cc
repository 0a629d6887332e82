#include "engine/util/histogram.h"

#include <gtest/gtest.h>

namespace aurora {
namespace {

TEST(Histogram, SmallValuesAreExact) {
  Histogram h;
  for (std::uint64_t v : {0, 1, 2, 3, 3}) h.record(v);
  EXPECT_EQ(h.count(), 5u);
  EXPECT_EQ(h.percentile(0), 0u);
  EXPECT_EQ(h.percentile(50), 2u);
  EXPECT_EQ(h.percentile(100), 3u);
  EXPECT_DOUBLE_EQ(h.mean(), 1.8);
}

TEST(Histogram, PercentilesAreWithinABucketOfTheTruth) {
  Histogram h;
  for (std::uint64_t v = 1; v <= 100000; ++v) h.record(v);
  for (double p : {50.0, 90.0, 99.0, 99.9}) {
    const double truth = p / 100.0 * 100000;
    const double got = static_cast<double>(h.percentile(p));
    EXPECT_GE(got, truth * 0.99) << p;
    EXPECT_LE(got, truth * 1.26) << p;  // a bucket is at most 25% of its lower bound wide
  }
  EXPECT_EQ(h.percentile(100), 100000u);
  EXPECT_EQ(h.max(), 100000u);
}

TEST(Histogram, EmptyAndHugeValues) {
  Histogram h;
  EXPECT_EQ(h.percentile(99), 0u);
  h.record(UINT64_MAX);
  EXPECT_EQ(h.percentile(50), UINT64_MAX);
}

}  // namespace
}  // namespace aurora
