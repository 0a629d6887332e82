#include "workloads/run.h"

namespace aurora::workloads {

std::string_view fault_regime_name(FaultRegime r) {
  switch (r) {
    case FaultRegime::kNone: return "none";
    case FaultRegime::kRecoverable: return "recoverable";
    case FaultRegime::kUnrestricted: return "unrestricted";
  }
  return "?";
}

std::optional<FaultRegime> parse_fault_regime(std::string_view s) {
  if (s == "none") return FaultRegime::kNone;
  if (s == "recoverable") return FaultRegime::kRecoverable;
  if (s == "unrestricted") return FaultRegime::kUnrestricted;
  return std::nullopt;
}

sim::WorldOptions world_options(const RunSpec& spec) {
  sim::WorldOptions o;
  o.seed = spec.seed;
  o.scheduler = spec.scheduler;
  switch (spec.faults) {
    case FaultRegime::kNone: o.faults = sim::FaultConfig::none(); break;
    case FaultRegime::kRecoverable: o.faults = sim::FaultConfig::recoverable(); break;
    case FaultRegime::kUnrestricted: o.faults = sim::FaultConfig::unrestricted(); break;
  }
  // Per-run disk behaviour is drawn from its own stream so that it does not shift the
  // fault decisions themselves.
  sim::Rng disk(spec.seed, "disk-config");
  static constexpr sim::CrashMode kModes[] = {sim::CrashMode::kDropAll, sim::CrashMode::kPrefix,
                                              sim::CrashMode::kSubset};
  static constexpr std::uint32_t kUnits[] = {512, 4096, 1};
  o.faults.crash_mode = spec.crash_mode.value_or(kModes[disk.below(3)]);
  o.faults.atomic_unit = kUnits[disk.below(3)];
  o.faults.exposure = disk.chance(0.5) ? sim::Exposure::kZeros : sim::Exposure::kGarbage;
  o.faults.eio_view = disk.chance(0.5) ? sim::EioView::kKeep : sim::EioView::kRevert;
  return o;
}

RunReport run_seed(const RunSpec& spec, sim::TraceWriter* trace_writer) {
  sim::World world(world_options(spec));
  if (trace_writer != nullptr) world.trace().set_writer(trace_writer);
  FileChurnOptions churn = spec.churn;
  churn.check_content = spec.faults != FaultRegime::kUnrestricted;
  FileChurn workload(world, churn);

  RunReport report;
  report.seed = spec.seed;
  report.configuration = world.describe() + "workload: file-churn nodes=" +
                         std::to_string(churn.nodes) + " writers=" +
                         std::to_string(churn.writers_per_node) + " ops=" +
                         std::to_string(churn.ops) + " crashes=" + std::to_string(churn.crashes) +
                         (churn.check_content ? "" : " (content checks off: media faults)") +
                         "\n";
  workload.install();
  const RunOutcome outcome = world.run({.max_steps = spec.max_steps});

  report.violations = workload.violations();
  if (outcome.kind != RunOutcome::Kind::kCompleted) {
    report.violations.push_back({"progress", outcome.describe(), world.sched().now(),
                                 world.trace().events()});
  }
  report.passed = report.violations.empty();
  report.trace_hash = world.trace().hash();
  report.events = world.trace().events();
  report.sim_time_ns = world.sched().now();
  report.checkpoints = world.trace().checkpoints();
  report.ops = workload.ops_done();
  report.crashes = workload.crashes();
  report.recoveries_checked = workload.recoveries_checked();
  report.corruptions_reported = workload.corruptions_reported();
  report.bytes_acknowledged = workload.bytes_acknowledged();
  return report;
}

}  // namespace aurora::workloads
