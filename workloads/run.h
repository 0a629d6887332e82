// One seeded run of a workload in a fresh World: what `sim --seed N` does, callable
// in-process (tests run hundreds of seeds this way).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/world.h"
#include "workloads/smoke/file_churn.h"
#include "workloads/spec/spec.h"
#include "workloads/violation.h"

namespace aurora::workloads {

enum class WorkloadKind : std::uint8_t {
  kMtr,        // the engine under MTRs, reads and crashes (workloads/mtr/): the main job
  kFileChurn,  // the smoke workload of the simulated disk alone (workloads/smoke/)
  // Example systems with known bugs, not the engine (workloads/examples/): a sweep finds
  // their bugs and `sim shrink` minimizes the failures.
  kExampleAckBeforeFsync,
  kExampleChecksumIsEnd,
  // ...and with a known network bug (workloads/examples/retry_ledger.h).
  kExampleRetryAppliesTwice,
  kExampleTimeoutIsFailure,
};
// "mtr", "file-churn", "example/ack-before-fsync", ...: the names --workload takes.
std::string_view workload_name(WorkloadKind k);
std::optional<WorkloadKind> parse_workload(std::string_view name);
std::vector<std::string> workload_names();

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
  std::optional<std::uint32_t> pages;   // page ids used (mtr); clamps mtr_pages_max too
  std::optional<std::uint64_t> liveness_ops;  // operations the liveness phase waits for (mtr)
  std::optional<std::uint64_t> segment_bytes;  // the log's segment size (mtr), after the draw
  std::vector<sim::FaultKind> faults_off;  // kinds that never fire, whatever the spec or swarm
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
  std::array<std::uint64_t, sim::kFaultKindCount> fired_by_kind{};  // faults fired, by kind
  std::vector<std::string> coverage;  // marks reached (mtr workload)
  // The network's figures (sim/sim_net.h NetStats): messages sent, delivered intact,
  // dropped (every reason), copies made, damaged frames rejected, the longest delay.
  struct Net {
    std::uint64_t sent = 0, delivered = 0, dropped = 0, duplicated = 0, rejected = 0;
    Nanos max_delay = 0;
  } net;
};

// The spec with the command line's overrides applied (the keys its [swarm] table draws keep
// their fixed values: a run draws them from its tape, workloads/swarm.h).
Spec effective_spec(const RunSpec& run);
// `spec` (the run's, or a configuration drawn from it) with the command line's overrides.
Spec with_overrides(const RunSpec& run, Spec spec);

// The size of the run the workload will make: the spec's or the workload's own defaults,
// with the command line's overrides applied.
struct RunShape {
  std::uint64_t ops = 0;
  std::uint64_t crashes = 0;
  std::uint64_t nodes = 0;
  FaultRegime regime = FaultRegime::kNone;
  std::uint64_t pages = 0;         // the spec's (the mtr workload's MTRs use them)
  std::uint64_t liveness_ops = 0;  // the spec's (the mtr workload's liveness phase)
  std::uint64_t segment_bytes = 0;  // the spec's, or the override's (the mtr workload's log)
};
RunShape run_shape(const RunSpec& run);

// The spec a run of the mtr workload runs: its configuration drawn from `choices` (the
// keys [swarm] names, workloads/swarm.h), then the command line's overrides. Other
// workloads draw nothing: effective_spec(run).
Spec run_configuration(const RunSpec& run, sim::ChoiceTape& choices);

// The world options of a run: the fault configuration drawn (swarm) from `choices`, which
// the world then draws everything else from.
sim::WorldOptions world_options(const RunSpec& run, sim::ChoiceTape& choices);

// Runs the spec. `trace_writer` (optional) receives every event as a JSON line. `choices`
// (optional, of run.seed) is the run's choice tape, to record or replay; without one the
// run draws from the seed.
RunReport run_seed(const RunSpec& run, sim::TraceWriter* trace_writer = nullptr,
                   sim::ChoiceTape* choices = nullptr);

}  // namespace aurora::workloads
