#include "sim/net_config.h"

#include <algorithm>

namespace aurora::sim {

namespace {

constexpr std::array<std::string_view, kNetFaultKindCount> kNames = {
    "loss",           "duplicate",        "corrupt",          "spike",     "partition_node",
    "partition_halves", "partition_zone", "partition_oneway", "clog_link", "clog_node"};

}  // namespace

std::string_view net_fault_kind_name(NetFaultKind k) {
  return kNames.at(static_cast<std::size_t>(k));
}

std::optional<NetFaultKind> parse_net_fault_kind(std::string_view s) {
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == s) return static_cast<NetFaultKind>(i);
  }
  return std::nullopt;
}

bool is_partition(NetFaultKind k) {
  return k >= NetFaultKind::kPartitionNode && k <= NetFaultKind::kPartitionOneway;
}

bool is_clog(NetFaultKind k) {
  return k == NetFaultKind::kClogLink || k == NetFaultKind::kClogNode;
}

bool NetConfig::any_enabled() const {
  return std::any_of(rules.begin(), rules.end(), [](const FaultRule& r) { return r.enabled; });
}

NetConfig NetConfig::faulty() {
  NetConfig c;
  auto on = [&c](NetFaultKind k, double p, std::uint64_t budget) {
    c.rule(k) = FaultRule{.enabled = true, .probability = p, .budget = budget};
  };
  on(NetFaultKind::kLoss, 0.01, UINT64_MAX);
  on(NetFaultKind::kDuplicate, 0.01, UINT64_MAX);
  on(NetFaultKind::kCorrupt, 0.002, UINT64_MAX);
  on(NetFaultKind::kSpike, 0.005, UINT64_MAX);
  // Per chaos opportunity (every 20 ms on average): a fault of its kind about once a second.
  on(NetFaultKind::kPartitionNode, 0.02, 20);
  on(NetFaultKind::kPartitionHalves, 0.02, 20);
  on(NetFaultKind::kPartitionZone, 0.02, 20);
  on(NetFaultKind::kPartitionOneway, 0.02, 20);
  on(NetFaultKind::kClogLink, 0.02, 20);
  on(NetFaultKind::kClogNode, 0.02, 20);
  return c;
}

std::string NetConfig::describe() const {
  std::string out = "latency_min_us=" + std::to_string(latency_min / kMicrosecond) +
                    " latency_mean_us=" + std::to_string(latency_mean / kMicrosecond) +
                    " capacity=" + std::to_string(capacity);
  for (std::size_t i = 0; i < kNetFaultKindCount; ++i) {
    const FaultRule& r = rules[i];
    if (!r.enabled) continue;
    out += std::string(" ").append(kNames[i]).append("=").append(std::to_string(r.probability));
    if (r.budget != UINT64_MAX) out.append("/").append(std::to_string(r.budget));
  }
  return out;
}

}  // namespace aurora::sim
