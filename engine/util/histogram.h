// A fixed-size log-bucketed histogram for latencies and counts: values are grouped into
// 4 sub-buckets per power of two (each at most 25% of its lower bound wide), so
// percentiles are exact to within a bucket at any scale; no allocation, O(1) recording.
#pragma once

#include <array>
#include <bit>
#include <cstdint>

namespace aurora {

class Histogram {
 public:
  void record(std::uint64_t v) {
    ++buckets_[bucket_of(v)];
    ++count_;
    sum_ += v;
    if (v > max_) max_ = v;
  }
  std::uint64_t count() const { return count_; }
  std::uint64_t max() const { return max_; }
  double mean() const { return count_ == 0 ? 0.0 : static_cast<double>(sum_) / count_; }
  // The upper bound of the bucket holding the p-th percentile (p in [0, 100]); never
  // more than max(). 0 when empty.
  std::uint64_t percentile(double p) const {
    if (count_ == 0) return 0;
    const auto rank = static_cast<std::uint64_t>(p / 100.0 * static_cast<double>(count_ - 1)) + 1;
    std::uint64_t seen = 0;
    for (std::size_t b = 0; b < kBuckets; ++b) {
      seen += buckets_[b];
      if (seen >= rank) return upper_bound(b) < max_ ? upper_bound(b) : max_;
    }
    return max_;
  }

 private:
  static constexpr std::size_t kSub = 4;  // sub-buckets per power of two
  static constexpr std::size_t kBuckets = 64 * kSub;
  static std::size_t bucket_of(std::uint64_t v) {
    if (v < kSub) return static_cast<std::size_t>(v);
    const int exp = 63 - std::countl_zero(v);             // v in [2^exp, 2^(exp+1))
    const auto sub = static_cast<std::size_t>((v >> (exp - 2)) & (kSub - 1));
    return static_cast<std::size_t>(exp) * kSub + sub;
  }
  static std::uint64_t upper_bound(std::size_t b) {
    if (b < kSub) return b;
    const std::size_t exp = b / kSub;
    const std::uint64_t sub = b % kSub;
    return (std::uint64_t{1} << exp) + ((sub + 1) << (exp - 2)) - 1;
  }

  std::array<std::uint64_t, kBuckets> buckets_{};
  std::uint64_t count_ = 0;
  std::uint64_t sum_ = 0;
  std::uint64_t max_ = 0;
};

}  // namespace aurora
