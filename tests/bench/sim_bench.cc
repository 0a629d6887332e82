// Whole simulated runs, as `sim --seed 1` makes them (figures go in notes; tests never
// assert on time).
//
//  - DefaultSpec/{ops}: the default spec, seed 1, at 2,000 to 1,000,000 operations. The
//    wall time per operation (op_time) must stay flat: the reference model and the
//    simulator are linear in a run's length. Also events per second and time compression
//    (virtual seconds per wall second).
//  - Soak: the soak spec, seed 1 (a million operations, a thousand crashes).
//  - CrashRecoverCycles: the default spec with a crash of everything every 85 operations;
//    recoveries per wall second, to compare with `sim real`'s crash-recover cycles per
//    second, which kills a real process (README "On real files").
#include <benchmark/benchmark.h>

#include <string>

#include "workloads/run.h"
#include "workloads/spec/spec.h"

namespace aurora::workloads {
namespace {

RunSpec shipped(const char* name) {
  RunSpec run;
  run.seed = 1;
  Result<Spec> spec = find_spec(name);
  if (spec.is_ok()) run.spec = *spec;
  run.spec_arg = name;
  return run;
}

// Runs `run` once per iteration and reports per-operation and per-event figures.
void run_and_count(benchmark::State& state, const RunSpec& run) {
  RunReport report;
  for (auto _ : state) {
    report = run_seed(run);
    if (!report.passed) {
      state.SkipWithError(("the run failed: " + report.violations.front().message).c_str());
      return;
    }
  }
  using benchmark::Counter;
  state.counters["op_time"] =
      Counter(static_cast<double>(report.ops), Counter::kIsIterationInvariantRate | Counter::kInvert);
  state.counters["events_per_s"] =
      Counter(static_cast<double>(report.events), Counter::kIsIterationInvariantRate);
  state.counters["time_compression"] =
      Counter(static_cast<double>(report.sim_time_ns) / 1e9, Counter::kIsIterationInvariantRate);
  state.counters["recoveries_per_s"] =
      Counter(static_cast<double>(report.recoveries_checked), Counter::kIsIterationInvariantRate);
  state.counters["events"] = static_cast<double>(report.events);
}

void DefaultSpec(benchmark::State& state) {
  RunSpec run = shipped("default");
  run.ops = static_cast<std::uint64_t>(state.range(0));
  run_and_count(state, run);
}
BENCHMARK(DefaultSpec)->Arg(2'000)->Arg(20'000)->Arg(200'000)->Arg(1'000'000)->Unit(benchmark::kMillisecond);

void Soak(benchmark::State& state) { run_and_count(state, shipped("soak")); }
BENCHMARK(Soak)->Iterations(1)->Unit(benchmark::kSecond);

// Shaped like `sim real --kills N`'s cycles: every crash takes the whole cluster down (a
// killed process), and about 85 operations run between two (what sim real's incarnations
// do in their 1..30 ms: 200 kills, 8,811 MTRs appended and 8,181 reads on this machine).
void CrashRecoverCycles(benchmark::State& state) {
  RunSpec run = shipped("default");
  run.crashes = 500;
  run.ops = 85 * 500;
  run.spec.workload.crash_storage_weight = 0;
  run.spec.workload.crash_compute_weight = 0;
  run.spec.workload.crash_all_weight = 1;
  run_and_count(state, run);
}
BENCHMARK(CrashRecoverCycles)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace aurora::workloads

BENCHMARK_MAIN();
