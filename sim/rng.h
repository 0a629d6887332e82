// Deterministic randomness: one master seed, many named streams.
//
// Each stream's state is derived from (master seed, stream name) alone, so drawing one
// more number from the "faults" stream never shifts what the "scheduler" or "workload"
// streams produce. The generator is xoshiro256** seeded through splitmix64: fast, with
// no global state, and identical on every platform (no std:: distributions, whose
// output is implementation-defined).
//
// A stream may be bound to a channel of a choice tape (sim/choice_tape.h): then every
// draw's result is recorded, or read back from the tape instead of drawn. Results are kept
// in the tape's terms, where 0 is always the simplest choice: below(n) and pick_weighted()
// keep their index, range() the offset above lo, chance() 1 for true, unit() its 53-bit
// numerator, next() the value itself.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace aurora::sim {

// One stream's share of a choice tape.
struct ChoiceChannel {
  // Replay: the values to answer with, in order; past their end every draw gets the
  // neutral choice 0. Null: draw from the seed.
  const std::vector<std::uint64_t>* replay = nullptr;
  std::size_t next = 0;          // replay: the next value to read
  std::uint64_t neutral = 0;     // replay: draws answered past the end
  bool record = false;
  std::vector<std::uint64_t> recorded;  // record: what each draw returned, in order
  // record: where each unit marked by Rng::mark_unit() starts, as indices into `recorded`
  // (ascending, no two equal).
  std::vector<std::uint64_t> units;
};

class Rng {
 public:
  // The stream named `name` of master seed `seed`, with an optional tape channel (which
  // must outlive the stream). A run's streams come from its tape (sim/choice_tape.h).
  // lint: the choice tape's own
  Rng(std::uint64_t seed, std::string_view name, ChoiceChannel* channel = nullptr);

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
  // to its weight. One draw. A replayed index whose weight is 0 becomes the first index
  // with a weight.
  std::size_t pick_weighted(std::span<const double> weights);

  // Says that a unit of the workload (an operation, a crash decision) starts with the next
  // draw: a recording channel keeps where, so a shrinker can delete whole units of the
  // stream rather than runs of values that rarely match one operation's draws. Draws
  // nothing and changes nothing else; free without a recording channel.
  void mark_unit();

 private:
  std::uint64_t raw_next();
  std::uint64_t raw_below(std::uint64_t n);
  double raw_unit();
  // A draw of a value in [0, bound) (bound 0: any 64-bit value), `fresh` from the seed.
  // With a replaying channel, the tape's value instead (clamped into range; 0 past the
  // tape's end); with a recording one, the value is kept.
  template <class Fresh>
  std::uint64_t choose(std::uint64_t bound, Fresh fresh);

  std::uint64_t s_[4];
  ChoiceChannel* channel_;
};

// Stable 64-bit hash of a name, used to derive stream seeds.
std::uint64_t stream_key(std::string_view name);

}  // namespace aurora::sim
