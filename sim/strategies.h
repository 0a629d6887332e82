// Seeded scheduling strategies. Both draw only from the scheduler stream.
//
//  - RandomStrategy: a uniformly random runnable fiber at every step.
//  - PctStrategy: probabilistic concurrency testing (Burckhardt et al., ASPLOS'10).
//    Each fiber gets a random priority; the highest-priority runnable fiber always runs;
//    at d-1 randomly chosen steps the running fiber's priority drops below every initial
//    priority. A bug that needs d ordering points is found with probability at least
//    1/(n * k^(d-1)) per run, far better than random for deep orderings.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/runtime/scheduler.h"
#include "sim/rng.h"

namespace aurora::sim {

class RandomStrategy final : public PickStrategy {
 public:
  explicit RandomStrategy(Rng& rng) : rng_(rng) {}
  std::size_t pick(std::span<FiberSlot* const> runnable) override;

 private:
  Rng& rng_;
};

class PctStrategy final : public PickStrategy {
 public:
  // `depth` is d (the number of ordering points the targeted bugs need); change points are
  // drawn from the first `expected_steps` scheduling steps.
  PctStrategy(Rng& rng, int depth, std::uint64_t expected_steps);
  void on_spawn(FiberSlot& fiber) override;
  void on_exit(FiberId id) override;
  std::size_t pick(std::span<FiberSlot* const> runnable) override;
  std::string describe() const;

 private:
  Rng& rng_;
  int depth_;
  std::vector<std::uint64_t> change_points_;  // sorted ascending
  std::size_t next_change_ = 0;
  std::uint64_t step_ = 0;
  FiberSlot* last_ = nullptr;  // the fiber picked at the previous step, while it lives
};

}  // namespace aurora::sim
