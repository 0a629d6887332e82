#include "sim/choice_tape.h"

namespace aurora::sim {

namespace {
const std::vector<std::uint64_t> kEmpty;
}  // namespace

std::uint64_t Choices::size() const {
  std::uint64_t n = 0;
  for (const auto& [name, values] : streams) n += values.size();
  return n;
}

ChoiceTape::ChoiceTape(std::uint64_t seed, bool record) : seed_(seed), record_(record) {}

ChoiceTape::ChoiceTape(std::uint64_t seed, Choices replay)
    : seed_(seed), record_(true), replay_(std::move(replay)) {}

ChoiceTape::~ChoiceTape() = default;

Rng& ChoiceTape::stream(std::string_view name) {
  auto it = streams_.find(name);
  if (it == streams_.end()) {
    auto s = std::make_unique<Stream>();
    ChoiceChannel* channel = nullptr;
    if (record_ || replay_) {
      channel = &s->channel;
      channel->record = record_;
      if (replay_) {
        const auto found = replay_->streams.find(name);
        channel->replay = found == replay_->streams.end() ? &kEmpty : &found->second;
      }
    }
    s->rng = std::make_unique<Rng>(seed_, name, channel);  // lint: the choice tape's own
    it = streams_.emplace(std::string(name), std::move(s)).first;
  }
  return *it->second->rng;
}

Choices ChoiceTape::recorded() const {
  Choices out;
  for (const auto& [name, s] : streams_) {
    if (!s->channel.record) continue;
    out.streams[name] = s->channel.recorded;
    if (!s->channel.units.empty()) out.units[name] = s->channel.units;
  }
  return out;
}

std::uint64_t ChoiceTape::neutral_draws() const {
  std::uint64_t n = 0;
  for (const auto& [name, s] : streams_) n += s->channel.neutral;
  return n;
}

}  // namespace aurora::sim
