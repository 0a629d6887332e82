// The choice tape: every random decision of a run (scheduler picks, fault decisions, the
// workload's choices, the swarm's fault configuration) is a draw from one of the run's
// named streams, and the tape is where those streams come from. It can keep what every
// draw returned (--record-choices), or answer the draws from a tape kept before
// (--replay-choices): a replayed run is the recorded run, event for event, without the seed.
//
// The tape holds one sequence per stream, as the streams are independent: a shrinker that
// removes a fault decision does not shift what the scheduler or the workload draws next.
// A stream whose sequence ends early goes on with the neutral choice, 0: the first runnable
// fiber, no fault, the shortest option, the lowest value (sim/rng.h says how each kind of
// draw is kept). The file format is in sim/CHOICE_FORMAT.md (sim/choice_file.h).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/rng.h"

namespace aurora::sim {

// A tape's contents: each stream's values in draw order.
struct Choices {
  std::map<std::string, std::vector<std::uint64_t>, std::less<>> streams;
  // Where the units a stream's draws make (Rng::mark_unit: an operation, a crash decision)
  // start, as ascending indices into that stream's values; streams without units are not
  // listed. What a run learned as it drew, for the shrinker: a tape replays the same
  // without them, and the choice file does not keep them (sim/CHOICE_FORMAT.md).
  std::map<std::string, std::vector<std::uint64_t>, std::less<>> units;

  std::uint64_t size() const;  // values over all streams
  friend bool operator==(const Choices&, const Choices&) = default;
};

class ChoiceTape {
 public:
  // Draws from `seed`; with `record`, keeps what every draw returned.
  explicit ChoiceTape(std::uint64_t seed, bool record = false);
  // Answers every draw from `replay` (the seed is not drawn from); keeps what each draw
  // returned, so recorded() is the tape as this run used it.
  ChoiceTape(std::uint64_t seed, Choices replay);
  ChoiceTape(const ChoiceTape&) = delete;
  ChoiceTape& operator=(const ChoiceTape&) = delete;
  ~ChoiceTape();

  std::uint64_t seed() const { return seed_; }
  bool recording() const { return record_; }
  bool replaying() const { return replay_.has_value(); }

  // The stream named `name`, created on first use ("scheduler", "faults", "workload",
  // "node/<name>", "latency/<node>", "swarm", "disk-config", ...).
  Rng& stream(std::string_view name);

  // What every stream's draws returned so far, and where their units start (empty unless
  // recording or replaying).
  Choices recorded() const;
  // Replay: the draws answered with the neutral choice because their stream's sequence had
  // ended. 0 when the tape covered the whole run.
  std::uint64_t neutral_draws() const;

 private:
  struct Stream {
    ChoiceChannel channel;
    std::unique_ptr<Rng> rng;
  };
  std::uint64_t seed_;
  bool record_;
  std::optional<Choices> replay_;
  std::map<std::string, std::unique_ptr<Stream>, std::less<>> streams_;
};

}  // namespace aurora::sim
