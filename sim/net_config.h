// The simulated network's configuration: its latencies, its capacity, and its fault kinds
// (DESIGN.md section 5b), each switchable with a probability and a budget as the disk's are
// (fault_injector.h).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/runtime/time.h"
#include "sim/fault_injector.h"

namespace aurora::sim {

enum class NetFaultKind : std::uint8_t {
  // per message
  kLoss,       // dropped
  kDuplicate,  // delivered, and a copy again later
  kCorrupt,    // one byte of the frame changes: the receiver's checksum rejects it
  kSpike,      // a delay much longer than the link's usual one
  // per opportunity of the network's chaos (one every chaos_interval on average)
  kPartitionNode,    // one node cut off from all others, both ways
  kPartitionHalves,  // the nodes split into two random halves, both ways
  kPartitionZone,    // one zone cut off from the others, both ways
  kPartitionOneway,  // two random halves, one direction only
  kClogLink,         // one direction of one link stalls, then delivers what queued
  kClogNode,         // everything to and from one node stalls, then is delivered
  kCount
};
inline constexpr std::size_t kNetFaultKindCount = static_cast<std::size_t>(NetFaultKind::kCount);
std::string_view net_fault_kind_name(NetFaultKind k);  // "loss", "partition_zone", ...
std::optional<NetFaultKind> parse_net_fault_kind(std::string_view s);
bool is_partition(NetFaultKind k);
bool is_clog(NetFaultKind k);

struct NetConfig {
  Nanos latency_min = 20 * kMicrosecond;   // each message's delay: this plus an exponential
  Nanos latency_mean = 60 * kMicrosecond;  // with this mean
  Nanos spike_mean = 20 * kMillisecond;    // a spike adds an exponential with this mean
  Nanos replay_mean = 2 * kMillisecond;    // a duplicate comes this much later, on average
  std::uint32_t capacity = 256;            // messages in flight per link and direction
  Nanos chaos_interval = 20 * kMillisecond;  // mean time between partition/clog chances
  Nanos partition_mean = 50 * kMillisecond;  // how long a partition lasts, on average
  Nanos clog_mean = 10 * kMillisecond;       // how long a clog lasts, on average
  std::array<FaultRule, kNetFaultKindCount> rules{};  // every kind off

  FaultRule& rule(NetFaultKind k) { return rules[static_cast<std::size_t>(k)]; }
  const FaultRule& rule(NetFaultKind k) const { return rules[static_cast<std::size_t>(k)]; }
  bool any_enabled() const;
  // Every kind on, at the probabilities and budgets a spec gets by default.
  static NetConfig faulty();
  // One line, for the run's printed configuration.
  std::string describe() const;
};

}  // namespace aurora::sim
