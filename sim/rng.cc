#include "sim/rng.h"

#include "engine/runtime/assert.h"

namespace aurora::sim {
namespace {

std::uint64_t splitmix64(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

}  // namespace

std::uint64_t stream_key(std::string_view name) {
  std::uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a
  for (char c : name) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

// lint: the choice tape's own
Rng::Rng(std::uint64_t seed, std::string_view name, ChoiceChannel* channel)
    : channel_(channel) {
  std::uint64_t x = seed ^ rotl(stream_key(name), 17);
  for (auto& word : s_) word = splitmix64(x);
}

template <class Fresh>
std::uint64_t Rng::choose(std::uint64_t bound, Fresh fresh) {
  if (channel_ == nullptr) return fresh();
  std::uint64_t v = 0;
  if (channel_->replay == nullptr) {
    v = fresh();
  } else if (channel_->next < channel_->replay->size()) {
    v = (*channel_->replay)[channel_->next++];
    // A value from another run's context (a shrinker's edit) may be out of range here: the
    // largest value in range is the nearest.
    if (bound != 0 && v >= bound) v = bound - 1;
  } else {
    ++channel_->neutral;
  }
  if (channel_->record) channel_->recorded.push_back(v);
  return v;
}

void Rng::mark_unit() {
  if (channel_ == nullptr || !channel_->record) return;
  const std::uint64_t at = channel_->recorded.size();
  if (channel_->units.empty() || channel_->units.back() != at) channel_->units.push_back(at);
}

std::uint64_t Rng::raw_next() {
  const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const std::uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

std::uint64_t Rng::raw_below(std::uint64_t n) {
  AURORA_ASSERT(n > 0, "Rng::below(0)");
  if ((n & (n - 1)) == 0) {
    // A power of two (a random byte, say): the same draw as below, without its two
    // divisions. The rejected tail is the top n - 1 values, as UINT64_MAX % n == n - 1.
    std::uint64_t x;
    do {
      x = raw_next();
    } while (x > UINT64_MAX - n);
    return x & (n - 1);
  }
  const std::uint64_t limit = UINT64_MAX - UINT64_MAX % n;  // reject the biased tail
  std::uint64_t x;
  do {
    x = raw_next();
  } while (x >= limit);
  return x % n;
}

double Rng::raw_unit() { return static_cast<double>(raw_next() >> 11) * 0x1.0p-53; }

std::uint64_t Rng::next() {
  return choose(0, [&] { return raw_next(); });
}

std::uint64_t Rng::below(std::uint64_t n) {
  AURORA_ASSERT(n > 0, "Rng::below(0)");
  return choose(n, [&] { return raw_below(n); });
}

std::int64_t Rng::range(std::int64_t lo, std::int64_t hi) {
  AURORA_ASSERT(lo <= hi, "Rng::range with lo > hi");
  const std::uint64_t span = static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo);
  const std::uint64_t offset =
      span == UINT64_MAX
          ? choose(0, [&] { return raw_next() - static_cast<std::uint64_t>(lo); })
                         : choose(span + 1, [&] { return raw_below(span + 1); });
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(lo) + offset);
}

double Rng::unit() {
  return static_cast<double>(choose(std::uint64_t{1} << 53, [&] { return raw_next() >> 11; })) *
         0x1.0p-53;
}

bool Rng::chance(double p) {
  return choose(2, [&] { return raw_unit() < p ? 1 : 0; }) == 1;
}

std::size_t Rng::pick_weighted(std::span<const double> weights) {
  AURORA_ASSERT(!weights.empty(), "Rng::pick_weighted of no weights");
  const std::size_t picked = choose(weights.size(), [&] {
    double total = 0;
    for (double w : weights) total += w;
    double pick = raw_unit() * total;
    std::size_t i = 0;
    while (i + 1 < weights.size() && pick >= weights[i]) pick -= weights[i++];
    return static_cast<std::uint64_t>(i);
  });
  if (weights[picked] > 0) return picked;
  std::size_t first = 0;
  while (first + 1 < weights.size() && !(weights[first] > 0)) ++first;
  return first;
}

}  // namespace aurora::sim
