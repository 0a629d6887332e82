// Deterministic randomness: one master seed, many named streams.
//
// Each stream's state is derived from (master seed, stream name) alone, so drawing one
// more number from the "faults" stream never shifts what the "scheduler" or "workload"
// streams produce. The generator is xoshiro256** seeded through splitmix64: fast, with
// no global state, and identical on every platform (no std:: distributions, whose
// output is implementation-defined).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace aurora::sim {

class Rng {
 public:
  // The stream named `name` of master seed `seed`.
  Rng(std::uint64_t seed, std::string_view name);

  std::uint64_t next();
  // Uniform in [0, n); n > 0. Unbiased (rejection sampling).
  std::uint64_t below(std::uint64_t n);
  // Uniform in [lo, hi], inclusive.
  std::int64_t range(std::int64_t lo, std::int64_t hi);
  // True with probability p (p <= 0 never draws true, p >= 1 always does; both still
  // consume one draw so configuration changes do not shift the stream).
  bool chance(double p);
  // Uniform in [0, 1).
  double unit();
  // An index into `weights` (each >= 0, not all 0), chosen with probability proportional
  // to its weight. One draw.
  std::size_t pick_weighted(std::span<const double> weights);

 private:
  std::uint64_t s_[4];
};

// Stable 64-bit hash of a name, used to derive stream seeds.
std::uint64_t stream_key(std::string_view name);

}  // namespace aurora::sim
