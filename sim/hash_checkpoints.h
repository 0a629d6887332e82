// A bounded record of a running hash, taken at regular events: a checkpoint every
// `interval` events; once `capacity` are kept, every other one goes and the interval
// doubles. So a run of any length keeps at most `capacity` checkpoints, and two runs that
// reach the same event numbers keep checkpoints at the same events: where their hashes
// first differ brackets where the runs first part, to within one interval.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "engine/runtime/assert.h"

namespace aurora::sim {

class HashCheckpoints {
 public:
  using Point = std::pair<std::uint64_t, std::uint64_t>;  // (event, hash after it)

  explicit HashCheckpoints(std::size_t capacity, std::uint64_t interval = 1)
      : capacity_(capacity), interval_(interval) {
    AURORA_ASSERT(capacity >= 2 && interval >= 1, "hash checkpoints need room and an interval");
  }

  // The running hash is `hash` after event number `event` (1, 2, 3, ... in order).
  void add(std::uint64_t event, std::uint64_t hash) {
    if (event % interval_ != 0) return;
    if (points_.size() == capacity_) {
      interval_ *= 2;
      std::size_t kept = 0;
      for (const Point& p : points_) {
        if (p.first % interval_ == 0) points_[kept++] = p;
      }
      points_.resize(kept);
      if (event % interval_ != 0) return;
    }
    points_.emplace_back(event, hash);
  }

  std::uint64_t interval() const { return interval_; }
  // The first event after `event` that add() would keep: callers that know it skip the
  // others without a division per event.
  std::uint64_t next_after(std::uint64_t event) const { return (event / interval_ + 1) * interval_; }
  const std::vector<Point>& points() const { return points_; }

 private:
  std::size_t capacity_;
  std::uint64_t interval_;
  std::vector<Point> points_;
};

}  // namespace aurora::sim
