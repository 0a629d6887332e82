#include "tools/sim/run_flags.h"

#include <algorithm>
#include <iostream>

#include "engine/wal/format.h"

namespace aurora::tools {

void add_run_flags(CLI::App& app, RunFlags& f) {
  f.workload_opt =
      app.add_option("--workload", f.workload,
                     "what runs: the engine (mtr), the disk smoke test (file-churn), or an "
                     "example system with a known bug (example/...; workloads/examples/)")
          ->check(CLI::IsMember(workloads::workload_names()));
  f.ops_opt = app.add_option("--ops", f.ops, "operations in the safety phase (overrides the spec)")
                  ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{100'000'000}));
  f.nodes_opt =
      app.add_option("--nodes", f.nodes, "compute nodes (overrides the spec)")->check(CLI::Range(1, 16));
  f.crashes_opt =
      app.add_option("--crashes", f.crashes, "crash-and-restart cycles (overrides the spec)")
          ->check(CLI::Range(0, 100'000));
  f.pages_opt = app.add_option("--pages", f.pages,
                               "page ids the mtr workload uses (overrides the spec; an MTR then "
                               "spans at most this many)")
                   ->check(CLI::Range(std::uint32_t{1}, std::uint32_t{1'000'000}));
  f.segment_bytes_opt =
      app.add_option("--segment-bytes", f.segment_bytes,
                     "the log's segment size for the mtr workload (overrides the spec and its "
                     "[swarm] draw)")
          ->check(CLI::Range(std::uint64_t{wal::kSegmentHeaderSize + 1}, std::uint64_t{1} << 40));
  f.liveness_ops_opt =
      app.add_option("--liveness-ops", f.liveness_ops,
                     "operations the mtr workload's liveness phase waits for (overrides the spec)")
          ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{100'000'000}));
  app.add_option("--faults", f.faults, "fault regime (overrides the spec)")
      ->check(CLI::IsMember({"none", "recoverable", "unrestricted"}));
  std::vector<std::string> kinds;
  for (std::size_t k = 0; k < sim::kFaultKindCount; ++k) {
    kinds.emplace_back(sim::fault_kind_name(static_cast<sim::FaultKind>(k)));
  }
  app.add_option("--fault-off", f.faults_off,
                 "a fault kind that never fires, whatever the spec and the swarm draw (repeat it "
                 "for more kinds)")
      ->check(CLI::IsMember(kinds));
  f.scheduler_opt = app.add_option("--scheduler", f.scheduler, "scheduling strategy")
      ->check(CLI::IsMember({"random", "pct"}));
  app.add_option("--crash-mode", f.crash_mode, "what a crash keeps (default: drawn from the seed)")
      ->check(CLI::IsMember({"drop-all", "prefix", "subset"}));
}

void apply_run_flags(const RunFlags& f, workloads::RunSpec& spec) {
  const auto given = [](const CLI::Option* o) { return o != nullptr && o->count() > 0; };
  if (given(f.scheduler_opt)) spec.scheduler = *sim::parse_scheduler_kind(f.scheduler);
  if (given(f.workload_opt)) spec.workload = *workloads::parse_workload(f.workload);
  if (given(f.ops_opt)) spec.ops = f.ops;
  if (given(f.nodes_opt)) spec.nodes = f.nodes;
  if (given(f.crashes_opt)) spec.crashes = f.crashes;
  if (given(f.pages_opt)) spec.pages = f.pages;
  if (given(f.segment_bytes_opt)) spec.segment_bytes = f.segment_bytes;
  if (given(f.liveness_ops_opt)) spec.liveness_ops = f.liveness_ops;
  for (const std::string& name : f.faults_off) {
    const sim::FaultKind k = *sim::parse_fault_kind(name);
    if (std::find(spec.faults_off.begin(), spec.faults_off.end(), k) == spec.faults_off.end()) {
      spec.faults_off.push_back(k);
    }
  }
  if (!f.faults.empty()) spec.faults = workloads::parse_fault_regime(f.faults);
  if (!f.crash_mode.empty()) spec.crash_mode = sim::parse_crash_mode(f.crash_mode);
}

bool load_spec_flag(const std::string& spec_arg, workloads::RunSpec& spec) {
  spec.spec_arg = spec_arg;
  if (spec_arg.empty()) {
    spec.spec = workloads::Spec{};
    return true;
  }
  Result<workloads::Spec> loaded = workloads::find_spec(spec_arg);
  if (!loaded.is_ok()) {
    std::cerr << "sim: --spec " << spec_arg << ": " << loaded.status().message() << "\n";
    return false;
  }
  spec.spec = std::move(loaded).value();
  return true;
}

}  // namespace aurora::tools
