#include "workloads/swarm.h"

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
  sim::Rng& disk = choices.stream("disk-config");
  static constexpr sim::CrashMode kModes[] = {sim::CrashMode::kDropAll, sim::CrashMode::kPrefix,
                                              sim::CrashMode::kSubset};
  static constexpr std::uint32_t kUnits[] = {512, 4096, 1};
  const sim::CrashMode mode = kModes[disk.below(3)];
  const std::uint32_t unit = kUnits[disk.below(3)];
  c.crash_mode = spec.crash_mode.value_or(mode);
  c.atomic_unit = spec.atomic_unit.value_or(unit);
  c.exposure = disk.chance(0.5) ? sim::Exposure::kZeros : sim::Exposure::kGarbage;
  c.eio_view = disk.chance(0.5) ? sim::EioView::kKeep : sim::EioView::kRevert;
  return c;
}

}  // namespace aurora::workloads
