#include "workloads/examples/durability_model.h"

#include <algorithm>

#include "engine/runtime/assert.h"

namespace aurora::examples {

namespace {

// "9 (put #12)" for the newest put of `value` at or before `puts.end()`, else "9, which no
// put of this key wrote"; "nothing" for an absent key.
template <typename Puts>
std::string describe_recovered(const Puts& puts, std::optional<std::uint32_t> recovered) {
  if (!recovered) return "nothing";
  const auto it = std::find_if(puts.rbegin(), puts.rend(),
                               [&](const auto& p) { return p.value == *recovered; });
  if (it == puts.rend()) return std::to_string(*recovered) + ", which no put of this key wrote";
  return std::to_string(*recovered) + " (put #" + std::to_string(it->op) + ")";
}

}  // namespace

void DurabilityModel::attempted(std::uint64_t op, std::uint32_t key, std::uint32_t value) {
  AURORA_ASSERT(key_of_.empty() || key_of_.rbegin()->first < op,
                "puts are numbered in issue order");
  key_of_[op] = key;
  puts_[key].push_back(Put{.op = op, .value = value});
}

void DurabilityModel::acknowledged(std::uint64_t op) {
  const auto key = key_of_.find(op);
  AURORA_ASSERT(key != key_of_.end(), "acknowledged a put that was never attempted");
  std::vector<Put>& puts = puts_[key->second];
  const auto it = std::find_if(puts.begin(), puts.end(), [&](const Put& p) { return p.op == op; });
  AURORA_ASSERT(it != puts.end(), "the model lost a put");
  it->acknowledged = true;
}

std::optional<std::uint32_t> DurabilityModel::acknowledged_value(std::uint32_t key) const {
  const auto puts = puts_.find(key);
  if (puts == puts_.end()) return std::nullopt;
  const auto it = std::find_if(puts->second.rbegin(), puts->second.rend(),
                               [](const Put& p) { return p.acknowledged; });
  if (it == puts->second.rend()) return std::nullopt;
  return it->value;
}

std::optional<std::string> DurabilityModel::check(std::uint32_t key,
                                                  std::optional<std::uint32_t> recovered) const {
  static const std::vector<Put> kNone;
  const auto found = puts_.find(key);
  const std::vector<Put>& puts = found == puts_.end() ? kNone : found->second;
  const auto last_acked =
      std::find_if(puts.rbegin(), puts.rend(), [](const Put& p) { return p.acknowledged; });
  const std::string k = "key " + std::to_string(key) + ": ";
  if (last_acked == puts.rend()) {
    // Never acknowledged: absent, or any value attempted so far.
    if (!recovered) return std::nullopt;
    if (std::any_of(puts.begin(), puts.end(),
                    [&](const Put& p) { return p.value == *recovered; })) {
      return std::nullopt;
    }
    return k + "never acknowledged, yet recovered " + describe_recovered(puts, recovered);
  }
  // The last acknowledged value, or a value attempted after it (puts.rbegin() up to and
  // including last_acked).
  const auto allowed_end = std::next(last_acked);
  if (recovered && std::any_of(puts.rbegin(), allowed_end,
                               [&](const Put& p) { return p.value == *recovered; })) {
    return std::nullopt;
  }
  return k + "acknowledged value " + std::to_string(last_acked->value) + " (put #" +
         std::to_string(last_acked->op) + ") lost; recovered " +
         describe_recovered(puts, recovered);
}

}  // namespace aurora::examples
