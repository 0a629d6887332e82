#include "sim/strategies.h"

#include <algorithm>

namespace aurora::sim {

std::size_t RandomStrategy::pick(std::span<FiberSlot* const> runnable) {
  return runnable.size() == 1 ? 0 : static_cast<std::size_t>(rng_.below(runnable.size()));
}

PctStrategy::PctStrategy(Rng& rng, int depth, std::uint64_t expected_steps)
    : rng_(rng), depth_(depth < 1 ? 1 : depth) {
  for (int i = 1; i < depth_; ++i) {
    change_points_.push_back(1 + rng_.below(expected_steps < 1 ? 1 : expected_steps));
  }
  std::sort(change_points_.begin(), change_points_.end());
}

void PctStrategy::on_spawn(FiberSlot& fiber) {
  // Initial priorities live above `depth_`; the values 1..depth_-1 are reserved for the
  // demotions at change points, so a demoted fiber ranks below every undemoted one.
  fiber.strategy_key = static_cast<std::uint64_t>(depth_) + 1 + (rng_.next() >> 2);
}

void PctStrategy::on_exit(FiberId id) {
  if (last_ != nullptr && last_->id == id) last_ = nullptr;
}

std::size_t PctStrategy::pick(std::span<FiberSlot* const> runnable) {
  ++step_;
  // At the i-th change point the fiber that ran last drops to priority depth-1-i, below
  // every initial priority: from now on it runs only when nothing else can.
  while (next_change_ < change_points_.size() && change_points_[next_change_] <= step_) {
    if (last_ != nullptr) last_->strategy_key = static_cast<std::uint64_t>(depth_) - 1 - next_change_;
    ++next_change_;
  }
  std::size_t best = 0;
  for (std::size_t i = 1; i < runnable.size(); ++i) {
    if (runnable[i]->strategy_key > runnable[best]->strategy_key) best = i;
  }
  last_ = runnable[best];
  return best;
}

std::string PctStrategy::describe() const {
  std::string out = "pct depth=" + std::to_string(depth_) + " change_points=[";
  for (std::size_t i = 0; i < change_points_.size(); ++i) {
    if (i) out += ",";
    out += std::to_string(change_points_[i]);
  }
  return out + "]";
}

}  // namespace aurora::sim
