#include "workloads/swarm.h"

#include <algorithm>
#include <cmath>


namespace aurora::workloads {

sim::FaultConfig draw_fault_config(const FaultSpec& spec, sim::ChoiceTape& choices) {
  sim::FaultConfig c;
  switch (spec.regime) {
    case FaultRegime::kNone: c = sim::FaultConfig::none(); break;
    case FaultRegime::kRecoverable: c = sim::FaultConfig::recoverable(); break;
    case FaultRegime::kUnrestricted: c = sim::FaultConfig::unrestricted(); break;
  }
  if (spec.swarm) {
    sim::Rng& swarm = choices.stream("swarm");
    for (std::size_t k = 0; k < sim::kFaultKindCount; ++k) {
      sim::FaultRule& r = c.rules[k];
      // Two draws per kind whatever the outcome, so one kind's draw never shifts another's.
      const bool on = swarm.chance(0.5);
      const double scale = std::pow(10.0, swarm.unit() * 2.0 - 1.0);  // 0.1x to 10x
      if (!r.enabled) continue;  // not in this regime
      // Torn writes and crash points shape the crashes a run has anyway (what survives
      // one, and where it strikes) rather than add faults of their own: swarm scales them
      // but never turns them off. Off, half the runs could neither tear a write at a
      // crash nor crash inside one of the engine's windows.
      const auto kind = static_cast<sim::FaultKind>(k);
      if (kind != sim::FaultKind::kTornWrite && kind != sim::FaultKind::kCrashPoint) r.enabled = on;
      r.probability = std::min(1.0, r.probability * scale);
    }
  }
  for (const auto& [kind, o] : spec.kinds) {
    sim::FaultRule& r = c.rule(kind);
    if (o.enabled) r.enabled = *o.enabled;
    if (o.probability) r.probability = *o.probability;
    if (o.budget) r.budget = *o.budget;
  }
  sim::Rng& disk = choices.stream("disk-config");
  static constexpr sim::CrashMode kModes[] = {sim::CrashMode::kDropAll, sim::CrashMode::kPrefix,
                                              sim::CrashMode::kSubset};
  static constexpr std::uint32_t kUnits[] = {512, 4096, 1};
  const sim::CrashMode mode = kModes[disk.below(3)];
  const std::uint32_t unit = kUnits[disk.below(3)];
  c.crash_mode = spec.crash_mode.value_or(mode);
  c.atomic_unit = spec.atomic_unit.value_or(unit);
  c.media_nodes = spec.media_nodes;
  c.exposure = disk.chance(0.5) ? sim::Exposure::kZeros : sim::Exposure::kGarbage;
  c.eio_view = disk.chance(0.5) ? sim::EioView::kKeep : sim::EioView::kRevert;
  // What media faults aim at (sim/sim_fs_aim.cc): anywhere, or one kind of structure the
  // engine hints. Drawn last, so that the draws above stay where they were.
  static constexpr std::string_view kAims[] = {"", "wal.record", "wal.segment_header",
                                               "image.slot", "control"};
  c.media_aim = std::string(kAims[disk.below(std::size(kAims))]);
  return c;
}

sim::NetConfig draw_net_config(const NetworkSpec& spec, sim::ChoiceTape& choices) {
  sim::NetConfig c = spec.faults ? sim::NetConfig::faulty() : sim::NetConfig{};
  c.latency_min = spec.latency_min;
  c.latency_mean = spec.latency_mean;
  c.spike_mean = spec.spike_mean;
  c.replay_mean = spec.replay_mean;
  c.capacity = spec.capacity;
  c.chaos_interval = spec.chaos_interval;
  c.partition_mean = spec.partition_mean;
  c.clog_mean = spec.clog_mean;
  if (spec.faults && spec.swarm) {
    sim::Rng& swarm = choices.stream("net-swarm");
    for (sim::FaultRule& r : c.rules) {
      const bool on = swarm.chance(0.5);  // two draws per kind, whatever the outcome
      const double scale = std::pow(10.0, swarm.unit() * 2.0 - 1.0);  // 0.1x to 10x
      r.enabled = on;
      r.probability = std::min(1.0, r.probability * scale);
    }
  }
  for (const auto& [kind, o] : spec.kinds) {
    sim::FaultRule& r = c.rule(kind);
    if (o.enabled) r.enabled = *o.enabled;
    if (o.probability) r.probability = *o.probability;
    if (o.budget) r.budget = *o.budget;
  }
  return c;
}

namespace {

// [lo, hi] on a log scale of the distance above lo, from a draw in [0, 2^20): 0 is lo, the
// largest draw hi. Values near lo are as likely as the decades above them: with lal = [8,
// 10^7], a LAL within 16 of 8 comes up in about one run in six.
std::uint64_t log_scale(SwarmRange r, std::uint64_t draw) {
  constexpr double kSteps = 1 << 20;
  const double span = std::log(static_cast<double>(r.hi - r.lo) + 1);
  const double above = std::exp(span * static_cast<double>(draw) / (kSteps - 1)) - 1;
  return std::min(r.hi, r.lo + static_cast<std::uint64_t>(std::llround(above)));
}

}  // namespace

Spec draw_configuration(const Spec& spec, sim::ChoiceTape& choices) {
  Spec out = spec;
  if (spec.swarm.empty()) return out;
  sim::Rng& config = choices.stream("config");
  for (const SwarmKey& k : swarm_integer_keys()) {
    const auto it = spec.swarm.ranges.find(k.name);
    if (it == spec.swarm.ranges.end()) continue;
    k.set(out, log_scale(it->second, config.below(1 << 20)));
  }
  for (const SwarmTextKey& k : swarm_text_keys()) {
    const auto it = spec.swarm.lists.find(k.name);
    if (it == spec.swarm.lists.end()) continue;
    k.set(out, it->second[config.below(it->second.size())]);
  }
  WorkloadSpec& w = out.workload;
  w.mtr_pages_max = std::min(w.mtr_pages_max, w.pages);
  out.storage.lal = std::max<std::uint64_t>(out.storage.lal, w.mtr_records_max);
  return out;
}

std::string describe_configuration(const Spec& drawn) {
  if (drawn.swarm.empty()) return "";
  std::string out = "config:";
  for (const SwarmKey& k : swarm_integer_keys()) {
    if (!drawn.swarm.ranges.contains(k.name)) continue;
    out.append(" ").append(k.name).append("=").append(std::to_string(k.get(drawn)));
  }
  for (const SwarmTextKey& k : swarm_text_keys()) {
    if (!drawn.swarm.lists.contains(k.name)) continue;
    out.append(" ").append(k.name).append("=").append(k.get(drawn));
  }
  return out + "\n";
}

}  // namespace aurora::workloads
