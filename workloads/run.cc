#include "workloads/run.h"

#include <algorithm>

#include "workloads/examples/example_workload.h"
#include "workloads/examples/retry_ledger.h"
#include "workloads/mtr/mtr_workload.h"
#include "workloads/swarm.h"

namespace aurora::workloads {

namespace {
constexpr std::pair<WorkloadKind, std::string_view> kWorkloadNames[] = {
    {WorkloadKind::kMtr, "mtr"},
    {WorkloadKind::kFileChurn, "file-churn"},
    {WorkloadKind::kExampleAckBeforeFsync, "example/ack-before-fsync"},
    {WorkloadKind::kExampleChecksumIsEnd, "example/checksum-is-end"},
    {WorkloadKind::kExampleRetryAppliesTwice, "example/retry-applies-twice"},
    {WorkloadKind::kExampleTimeoutIsFailure, "example/timeout-is-failure"},
};

std::optional<examples::ExampleKind> example_of(WorkloadKind k) {
  switch (k) {
    case WorkloadKind::kExampleAckBeforeFsync: return examples::ExampleKind::kAckBeforeFsync;
    case WorkloadKind::kExampleChecksumIsEnd: return examples::ExampleKind::kChecksumIsEnd;
    default: return std::nullopt;
  }
}

std::optional<examples::NetExampleKind> net_example_of(WorkloadKind k) {
  switch (k) {
    case WorkloadKind::kExampleRetryAppliesTwice:
      return examples::NetExampleKind::kRetryAppliesTwice;
    case WorkloadKind::kExampleTimeoutIsFailure:
      return examples::NetExampleKind::kTimeoutIsFailure;
    default: return std::nullopt;
  }
}

examples::LedgerOptions ledger_options(const RunSpec& run, examples::NetExampleKind kind) {
  examples::LedgerOptions o;
  o.kind = kind;
  if (run.ops) o.ops = *run.ops;
  return o;
}

examples::ExampleOptions example_options(const RunSpec& run, examples::ExampleKind kind) {
  examples::ExampleOptions o;
  o.kind = kind;
  if (run.ops) o.ops = *run.ops;
  if (run.crashes) o.crashes = *run.crashes;
  return o;
}
}  // namespace

std::string_view workload_name(WorkloadKind k) {
  for (const auto& [kind, name] : kWorkloadNames) {
    if (kind == k) return name;
  }
  return "?";
}

std::optional<WorkloadKind> parse_workload(std::string_view name) {
  for (const auto& [kind, n] : kWorkloadNames) {
    if (n == name) return kind;
  }
  return std::nullopt;
}

std::vector<std::string> workload_names() {
  std::vector<std::string> out;
  for (const auto& [kind, name] : kWorkloadNames) out.emplace_back(name);
  return out;
}

Spec effective_spec(const RunSpec& run) { return with_overrides(run, run.spec); }

Spec with_overrides(const RunSpec& run, Spec s) {
  if (run.ops) s.workload.ops = *run.ops;
  if (run.nodes) s.workload.compute_nodes = *run.nodes;
  if (run.crashes) s.workload.crashes = *run.crashes;
  if (run.faults) s.faults.regime = *run.faults;
  if (run.crash_mode) s.faults.crash_mode = *run.crash_mode;
  if (run.pages) s.workload.pages = *run.pages;
  if (run.pages) s.workload.mtr_pages_max = std::min(s.workload.mtr_pages_max, *run.pages);
  if (run.liveness_ops) s.workload.liveness_ops = *run.liveness_ops;
  if (run.segment_bytes) s.storage.segment_bytes = *run.segment_bytes;
  if (s.faults.regime != FaultRegime::kUnrestricted) {
    // An override to a milder regime takes the media faults of the spec away with it.
    std::erase_if(s.faults.kinds, [](const auto& k) { return sim::is_media_fault(k.first); });
  }
  for (const sim::FaultKind k : run.faults_off) s.faults.kinds[k].enabled = false;
  return s;
}

RunShape run_shape(const RunSpec& run) {
  const Spec s = effective_spec(run);
  RunShape shape{s.workload.ops,   s.workload.crashes,      s.workload.compute_nodes,
                 s.faults.regime, s.workload.pages,        s.workload.liveness_ops,
                 s.storage.segment_bytes};
  if (const auto example = example_of(run.workload)) {
    const examples::ExampleOptions o = example_options(run, *example);
    const auto& rules = examples::example_faults(*example).rules;
    const bool faults = std::any_of(rules.begin(), rules.end(), [](const auto& r) { return r.enabled; });
    shape.ops = o.ops;
    shape.crashes = o.crashes;
    shape.nodes = 1;
    shape.regime = run.faults.value_or(faults ? FaultRegime::kUnrestricted : FaultRegime::kNone);
  } else if (net_example_of(run.workload)) {
    shape.ops = run.ops.value_or(examples::LedgerOptions{}.ops);
    shape.crashes = 0;
    shape.nodes = 2;
    shape.regime = FaultRegime::kNone;
  } else if (run.workload == WorkloadKind::kFileChurn) {
    FileChurnOptions churn;
    shape.ops = run.ops.value_or(churn.ops);
    shape.crashes = run.crashes ? *run.crashes : static_cast<std::uint64_t>(churn.crashes);
    shape.nodes = run.nodes ? *run.nodes : static_cast<std::uint64_t>(churn.nodes);
  }
  return shape;
}

Spec run_configuration(const RunSpec& run, sim::ChoiceTape& choices) {
  if (run.workload != WorkloadKind::kMtr) return effective_spec(run);
  return with_overrides(run, draw_configuration(run.spec, choices));
}

namespace {
sim::WorldOptions world_options_for(const RunSpec& run, sim::ChoiceTape& choices,
                                    const Spec& config) {
  sim::WorldOptions o;
  o.seed = run.seed;
  o.scheduler = run.scheduler;
  if (const auto example = example_of(run.workload)) {
    // An example runs with its own faults, or a regime's (--faults) without swarm; the disk's
    // crash mode and the rest are drawn as for every run.
    FaultSpec fs;
    fs.regime = run.faults.value_or(FaultRegime::kNone);
    fs.swarm = false;
    fs.crash_mode = run.crash_mode;
    o.faults = draw_fault_config(fs, choices);
    if (!run.faults) o.faults.rules = examples::example_faults(*example).rules;
  } else if (net_example_of(run.workload)) {
    // Its faults are the network's; the disk is not used.
    o.faults = sim::FaultConfig::none();
    o.net = examples::net_example_network();
  } else {
    o.faults = draw_fault_config(config.faults, choices);
    o.net = draw_net_config(config.network, choices);
  }
  for (const sim::FaultKind k : run.faults_off) o.faults.rule(k).enabled = false;  // examples too
  o.choices = &choices;
  return o;
}
}  // namespace

sim::WorldOptions world_options(const RunSpec& run, sim::ChoiceTape& choices) {
  return world_options_for(run, choices, run_configuration(run, choices));
}

namespace {

void finish_report(RunReport& report, sim::World& world, const RunOutcome& outcome) {
  if (outcome.kind != RunOutcome::Kind::kCompleted) {
    report.violations.push_back({"progress", outcome.describe(), world.sched().now(),
                                 world.trace().events()});
  }
  report.passed = report.violations.empty();
  report.trace_hash = world.trace().hash();
  report.events = world.trace().events();
  report.sim_time_ns = world.sched().now();
  report.checkpoints = world.trace().checkpoints();
  const sim::NetStats& net = world.net().stats();
  report.net = {net.sent, net.delivered, net.dropped, net.duplicated, net.rejected, net.max_delay};
}

RunReport run_file_churn(const RunSpec& run, sim::World& world) {
  const Spec spec = effective_spec(run);
  FileChurnOptions churn;
  if (run.ops) churn.ops = *run.ops;
  if (run.nodes) churn.nodes = *run.nodes;
  if (run.crashes) churn.crashes = *run.crashes;
  churn.check_content = spec.faults.regime != FaultRegime::kUnrestricted;
  FileChurn workload(world, churn);
  RunReport report;
  report.seed = run.seed;
  report.configuration = world.describe() + "workload: file-churn nodes=" +
                         std::to_string(churn.nodes) + " writers=" +
                         std::to_string(churn.writers_per_node) + " ops=" +
                         std::to_string(churn.ops) + " crashes=" + std::to_string(churn.crashes) +
                         (churn.check_content ? "" : " (content checks off: media faults)") +
                         "\n";
  workload.install();
  const RunOutcome outcome = world.run({.max_steps = run.max_steps});
  report.violations = workload.violations();
  finish_report(report, world, outcome);
  report.ops = workload.ops_done();
  report.crashes = workload.crashes();
  report.recoveries_checked = workload.recoveries_checked();
  report.corruptions_reported = workload.corruptions_reported();
  report.acknowledged = workload.bytes_acknowledged();
  return report;
}

std::string describe_spec(const Spec& s) {
  const WorkloadSpec& w = s.workload;
  return "spec: " + s.name + " (" + (s.source.empty() ? std::string("built in") : s.source) +
         ")\n" +
         "workload: mtr compute_nodes=" + std::to_string(w.compute_nodes) +
         " ops=" + std::to_string(w.ops) + " pages=" + std::to_string(w.pages) +
         " crashes=" + std::to_string(w.crashes) +
         " liveness_ops=" + std::to_string(w.liveness_ops) + "\n" +
         "regime: " + std::string(fault_regime_name(s.faults.regime)) +
         (s.faults.swarm ? " (swarm)" : "") + "\n" +
         "storage: preset=" + s.storage.preset + " durability=" + s.storage.durability +
         " segment_bytes=" + std::to_string(s.storage.segment_bytes) +
         " page_size=" + std::to_string(s.storage.page_size) + "\n";
}

RunReport run_mtr(const RunSpec& run, sim::World& world, const Spec& spec) {
  MtrWorkload workload(world, spec);
  RunReport report;
  report.seed = run.seed;
  report.configuration = world.describe() + describe_spec(spec) + describe_configuration(spec);
  workload.install();
  const RunOutcome outcome = world.run({.max_steps = run.max_steps});
  report.violations = workload.violations();
  finish_report(report, world, outcome);
  const MtrWorkloadStats& st = workload.stats();
  report.ops = st.ops;
  report.crashes = st.storage_crashes + st.compute_crashes + st.full_crashes;
  report.recoveries_checked = st.recoveries;
  report.corruptions_reported = st.corruptions_reported;
  report.acknowledged = st.commits_acked;
  report.reads_checked = st.reads_checked;
  report.faults_fired = st.faults_fired;
  report.coverage = workload.coverage().reached();
  return report;
}

RunReport run_net_example(const RunSpec& run, sim::World& world, examples::NetExampleKind kind) {
  examples::LedgerWorkload workload(world, ledger_options(run, kind));
  RunReport report;
  report.seed = run.seed;
  report.configuration = world.describe() + workload.describe();
  workload.install();
  const RunOutcome outcome = world.run({.max_steps = run.max_steps});
  report.violations = workload.violations();
  finish_report(report, world, outcome);
  const examples::LedgerStats& st = workload.stats();
  report.ops = st.ops;
  report.acknowledged = st.acknowledged;
  for (std::size_t k = 0; k < sim::kNetFaultKindCount; ++k) {
    report.faults_fired += world.net().fired(static_cast<sim::NetFaultKind>(k));
  }
  return report;
}

RunReport run_example(const RunSpec& run, sim::World& world, examples::ExampleKind kind) {
  examples::ExampleWorkload workload(world, example_options(run, kind));
  RunReport report;
  report.seed = run.seed;
  report.configuration = world.describe() + workload.describe();
  workload.install();
  const RunOutcome outcome = world.run({.max_steps = run.max_steps});
  report.violations = workload.violations();
  finish_report(report, world, outcome);
  const examples::ExampleStats& st = workload.stats();
  report.ops = st.ops;
  report.crashes = st.crashes;
  report.recoveries_checked = st.recoveries_checked;
  report.corruptions_reported = st.corruptions_reported;
  report.acknowledged = st.acknowledged;
  for (std::size_t k = 0; k < sim::kFaultKindCount; ++k) {
    report.faults_fired += world.faults().fired(static_cast<sim::FaultKind>(k));
  }
  return report;
}

}  // namespace

RunReport run_seed(const RunSpec& run, sim::TraceWriter* trace_writer, sim::ChoiceTape* choices) {
  sim::ChoiceTape from_seed(run.seed);
  sim::ChoiceTape& tape = choices != nullptr ? *choices : from_seed;
  // The configuration drawn from the seed, then the command line's overrides over it; the
  // faults are drawn for the regime it names.
  const Spec config = run_configuration(run, tape);
  sim::World world(world_options_for(run, tape, config));
  if (trace_writer != nullptr) world.trace().set_writer(trace_writer);
  RunReport r = example_of(run.workload) ? run_example(run, world, *example_of(run.workload))
                : net_example_of(run.workload)
                    ? run_net_example(run, world, *net_example_of(run.workload))
                : run.workload == WorkloadKind::kFileChurn ? run_file_churn(run, world)
                                                           : run_mtr(run, world, config);
  for (std::size_t k = 0; k < sim::kFaultKindCount; ++k) {
    r.fired_by_kind[k] = world.faults().fired(static_cast<sim::FaultKind>(k));
  }
  return r;
}

}  // namespace aurora::workloads
