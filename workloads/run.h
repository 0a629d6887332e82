// One seeded run of a workload in a fresh World: what `sim --seed N` does, callable
// in-process (tests run hundreds of seeds this way).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/world.h"
#include "workloads/smoke/file_churn.h"
#include "workloads/spec/spec.h"
#include "workloads/violation.h"

namespace aurora::workloads {

enum class WorkloadKind : std::uint8_t {
  kMtr,        // the engine under MTRs, reads and crashes (workloads/mtr/): the main job
  kFileChurn,  // the smoke workload of the simulated disk alone (workloads/smoke/)
};

struct RunSpec {
  std::uint64_t seed = 1;
  sim::SchedulerKind scheduler = sim::SchedulerKind::kRandom;
  WorkloadKind workload = WorkloadKind::kMtr;
  Spec spec;               // the workload and fault settings (default: the default spec)
  std::string spec_arg;    // --spec as given on the command line ("" = none)
  // Command-line overrides of the spec, kept apart so the reproduce line can name them.
  std::optional<std::uint64_t> ops;
  std::optional<std::uint32_t> nodes;
  std::optional<std::uint32_t> crashes;
  std::optional<FaultRegime> faults;
  std::optional<sim::CrashMode> crash_mode;
  std::uint64_t max_steps = 50'000'000;  // a bound on scheduling steps (livelock guard)
};

struct RunReport {
  std::uint64_t seed = 0;
  bool passed = false;
  std::uint64_t trace_hash = 0;
  std::uint64_t events = 0;
  Nanos sim_time_ns = 0;
  std::vector<Violation> violations;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> checkpoints;  // (event, hash)
  std::string configuration;  // the printed configuration, "key: value" lines
  std::uint64_t ops = 0;
  std::uint64_t crashes = 0;
  std::uint64_t recoveries_checked = 0;
  std::uint64_t corruptions_reported = 0;
  std::uint64_t acknowledged = 0;   // MTRs (mtr) or bytes (file-churn) acknowledged
  std::uint64_t reads_checked = 0;
  std::uint64_t faults_fired = 0;
  std::vector<std::string> coverage;  // marks reached (mtr workload)
};

// The spec with the command line's overrides applied.
Spec effective_spec(const RunSpec& run);

// The world options of a run: the fault configuration drawn for the seed (swarm).
sim::WorldOptions world_options(const RunSpec& run);

// Runs the spec. `trace_writer` (optional) receives every event as a JSON line.
RunReport run_seed(const RunSpec& run, sim::TraceWriter* trace_writer = nullptr);

}  // namespace aurora::workloads
