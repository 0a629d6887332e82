// One seeded run of a workload in a fresh World: what `sim --seed N` does, callable
// in-process (tests run hundreds of seeds this way).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/world.h"
#include "workloads/smoke/file_churn.h"
#include "workloads/violation.h"

namespace aurora::workloads {

enum class FaultRegime : std::uint8_t { kNone, kRecoverable, kUnrestricted };
std::string_view fault_regime_name(FaultRegime r);
std::optional<FaultRegime> parse_fault_regime(std::string_view s);

struct RunSpec {
  std::uint64_t seed = 1;
  sim::SchedulerKind scheduler = sim::SchedulerKind::kRandom;
  FaultRegime faults = FaultRegime::kRecoverable;
  std::optional<sim::CrashMode> crash_mode;  // default: drawn from the seed
  FileChurnOptions churn;
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
  std::uint64_t bytes_acknowledged = 0;
};

// The world options a spec stands for (faults per regime; the crash mode and the atomic
// unit are drawn from the seed unless the spec fixes them).
sim::WorldOptions world_options(const RunSpec& spec);

// Runs the spec. `trace_writer` (optional) receives every event as a JSON line.
RunReport run_seed(const RunSpec& spec, sim::TraceWriter* trace_writer = nullptr);

}  // namespace aurora::workloads
