#include "sim/fault_injector.h"

#include <algorithm>
#include <cstdio>

#include "engine/runtime/assert.h"

namespace aurora::sim {
namespace {

struct KindInfo {
  std::string_view name;
  std::string_view event;  // "fault.<name>": a literal, so emitting allocates nothing
};

constexpr std::array<KindInfo, kFaultKindCount> kKinds = {{
    {"torn_write", "fault.torn_write"},
    {"fsync_eio", "fault.fsync_eio"},
    {"write_enospc", "fault.write_enospc"},
    {"write_eio", "fault.write_eio"},
    {"short_write", "fault.short_write"},
    {"read_eio", "fault.read_eio"},
    {"latency_spike", "fault.latency_spike"},
    {"latent_sector", "fault.latent_sector"},
    {"bit_flip", "fault.bit_flip"},
    {"misdirected_write", "fault.misdirected_write"},
    {"lost_write", "fault.lost_write"},
    {"crash_point", "fault.crash_point"},
}};

constexpr std::array<std::string_view, 3> kCrashModes = {"drop-all", "prefix", "subset"};

std::size_t index_of(FaultKind k) {
  const auto i = static_cast<std::size_t>(k);
  AURORA_ASSERT(i < kFaultKindCount, "not a fault kind");
  return i;
}

void set_rule(FaultConfig& c, FaultKind k, double probability, std::uint64_t budget) {
  c.rule(k) = FaultRule{.enabled = true, .probability = probability, .budget = budget};
}

std::string format_double(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

}  // namespace

std::string_view crash_mode_name(CrashMode m) {
  const auto i = static_cast<std::size_t>(m);
  AURORA_ASSERT(i < kCrashModes.size(), "not a crash mode");
  return kCrashModes[i];
}

std::optional<CrashMode> parse_crash_mode(std::string_view s) {
  for (std::size_t i = 0; i < kCrashModes.size(); ++i) {
    if (kCrashModes[i] == s) return static_cast<CrashMode>(i);
  }
  return std::nullopt;
}

std::string_view fault_kind_name(FaultKind k) { return kKinds[index_of(k)].name; }

std::optional<FaultKind> parse_fault_kind(std::string_view s) {
  for (std::size_t i = 0; i < kFaultKindCount; ++i) {
    if (kKinds[i].name == s) return static_cast<FaultKind>(i);
  }
  return std::nullopt;
}

bool is_media_fault(FaultKind k) {
  switch (k) {
    case FaultKind::kLatentSector:
    case FaultKind::kBitFlip:
    case FaultKind::kMisdirectedWrite:
    case FaultKind::kLostWrite:
      return true;
    default:
      return false;
  }
}

FaultConfig FaultConfig::none() { return FaultConfig{}; }

// Probabilities are per opportunity. Frequent, cheap faults (torn writes at a crash,
// short writes) have no budget; faults that stop or slow the engine (fsync errors,
// ENOSPC, EIO, spikes) are capped so that a run still makes progress between them.
FaultConfig FaultConfig::recoverable() {
  FaultConfig c;
  set_rule(c, FaultKind::kTornWrite, 0.5, UINT64_MAX);
  set_rule(c, FaultKind::kFsyncEio, 0.02, 4);
  set_rule(c, FaultKind::kWriteNoSpace, 0.01, 16);
  set_rule(c, FaultKind::kWriteEio, 0.01, 16);
  set_rule(c, FaultKind::kShortWrite, 0.02, UINT64_MAX);
  set_rule(c, FaultKind::kReadEio, 0.01, 16);
  set_rule(c, FaultKind::kLatencySpike, 0.01, 64);
  // Per crash point reached at a site armed for the run (sim/world.h): a site reached a
  // few times a run still crashes there in a good share of runs; two such crashes at most.
  set_rule(c, FaultKind::kCrashPoint, 0.1, 2);
  return c;
}

// Media faults damage acknowledged data; a handful per run is enough to exercise the
// engine's corruption reporting without making every run a corruption report.
FaultConfig FaultConfig::unrestricted() {
  FaultConfig c = recoverable();
  set_rule(c, FaultKind::kLatentSector, 0.05, 4);
  set_rule(c, FaultKind::kBitFlip, 0.05, 4);
  set_rule(c, FaultKind::kMisdirectedWrite, 0.005, 2);
  set_rule(c, FaultKind::kLostWrite, 0.005, 2);
  return c;
}

std::string FaultConfig::describe() const {
  std::string out;
  out += "crash_mode: ";
  out += crash_mode_name(crash_mode);
  out += "\natomic_unit: " + std::to_string(atomic_unit);
  out += "\nexposure: ";
  out += exposure == Exposure::kZeros ? "zeros" : "garbage";
  out += "\neio_view: ";
  out += eio_view == EioView::kKeep ? "keep" : "revert";
  out += "\natomic_rename: ";
  out += atomic_rename ? "true" : "false";
  out += "\nlatency_ns: " + std::to_string(latency_min) + ".." + std::to_string(latency_max);
  out += "\nlatency_spike_ns: " + std::to_string(latency_spike);
  out += "\nmedia_aim: " + (media_aim.empty() ? std::string("anywhere") : media_aim);
  if (!media_nodes.empty()) {
    out += "\nmedia_nodes:";
    for (const std::string& n : media_nodes) out.append(" ").append(n);
  }
  for (std::size_t i = 0; i < kFaultKindCount; ++i) {
    const FaultRule& r = rules[i];
    out += "\nfault.";
    out += kKinds[i].name;
    if (!r.enabled) {
      out += ": off";
      continue;
    }
    out += ": p=" + format_double(r.probability);
    out += r.budget == UINT64_MAX ? " budget=unlimited" : " budget=" + std::to_string(r.budget);
  }
  return out;
}

bool FaultInjector::on_media_node(std::initializer_list<Field> fields) const {
  for (const Field& f : fields) {
    if (f.key != "node") continue;
    return std::find(config_.media_nodes.begin(), config_.media_nodes.end(), f.s) !=
           config_.media_nodes.end();
  }
  return false;
}

bool FaultInjector::fire(FaultKind k, Rng& rng, std::initializer_list<Field> fields) {
  const std::size_t i = index_of(k);
  const FaultRule& rule = config_.rules[i];
  if (!rule.enabled) return false;  // no draw: switching a kind off shifts nothing else
  if (is_media_fault(k) && !config_.media_nodes.empty() && !on_media_node(fields)) {
    return false;  // no draw either: a node media faults spare is as if they were off
  }
  // The draw happens even when the budget is spent, so the stream does not depend on it.
  const bool hit = rng.chance(rule.probability);
  if (!hit || fired_[i] >= rule.budget) return false;
  ++fired_[i];
  events_.emit(kKinds[i].event, std::span<const Field>(fields.begin(), fields.size()));
  return true;
}

}  // namespace aurora::sim
