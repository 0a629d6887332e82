// Runtime benchmarks (figures go in notes, never into test assertions).
//
//  - RawFiberSwitch: a Boost.Context round trip (main -> fiber -> main), i.e. two raw
//    switches: the floor for any fiber scheduler.
//  - SchedulerYield*: the scheduler's yield-and-resume round trip (fiber -> scheduler
//    loop -> pick -> fiber) with each strategy, and with the trace observing every pick
//    (what the simulation pays).
//  - SimFsWrite4KAndFsync: a 4 KiB append plus fsync on the simulated disk, faults off,
//    inside a fiber, simulated latency included (virtual, so it costs only scheduling).
//  - TraceEvent: one event with three fields, hashed, not written anywhere.
#include <benchmark/benchmark.h>

#include <boost/context/fiber.hpp>

#include <string>
#include <vector>

#include "engine/runtime/scheduler.h"
#include "sim/fault_injector.h"
#include "sim/rng.h"
#include "sim/sim_fs.h"
#include "sim/strategies.h"
#include "sim/trace.h"
#include "sim/virtual_time.h"

namespace aurora {
namespace {

namespace ctx = boost::context;

void RawFiberSwitch(benchmark::State& state) {
  ctx::fiber f{[](ctx::fiber&& main) {
    for (;;) main = std::move(main).resume();
    return std::move(main);
  }};
  for (auto _ : state) f = std::move(f).resume();
  state.SetLabel("per round trip = 2 switches");
}
BENCHMARK(RawFiberSwitch);

template <typename MakeStrategy>
void yield_loop(benchmark::State& state, MakeStrategy make, bool traced) {
  sim::VirtualTimeSource time;
  sim::Rng rng(1, "scheduler");
  auto strategy = make(rng);
  Scheduler sched(time, *strategy);
  sim::Trace trace(sched);
  if (traced) sched.set_observer(&trace);
  bool stop = false;
  sched.spawn(1, "yielder", [&] {
    while (!stop) sched.yield();
  });
  // One scheduler step per benchmark iteration: the fiber yields, the loop picks it
  // again and resumes it. run() returns after each step so Google Benchmark can time.
  for (auto _ : state) (void)sched.run({.max_steps = sched.steps() + 1});
  stop = true;
  (void)sched.run();
}

void SchedulerYieldFifo(benchmark::State& state) {
  yield_loop(state, [](sim::Rng&) { return std::make_unique<FifoStrategy>(); }, false);
}
BENCHMARK(SchedulerYieldFifo);

void SchedulerYieldRandom(benchmark::State& state) {
  yield_loop(state, [](sim::Rng& r) { return std::make_unique<sim::RandomStrategy>(r); }, false);
}
BENCHMARK(SchedulerYieldRandom);

void SchedulerYieldPct(benchmark::State& state) {
  yield_loop(state, [](sim::Rng& r) { return std::make_unique<sim::PctStrategy>(r, 3, 1000); },
             false);
}
BENCHMARK(SchedulerYieldPct);

void SchedulerYieldRandomTraced(benchmark::State& state) {
  yield_loop(state, [](sim::Rng& r) { return std::make_unique<sim::RandomStrategy>(r); }, true);
}
BENCHMARK(SchedulerYieldRandomTraced);

// A whole run of many yields inside one run() call: the loop without benchmark
// bookkeeping between steps.
void SchedulerYieldInsideRun(benchmark::State& state) {
  constexpr int kYields = 100'000;
  for (auto _ : state) {
    sim::VirtualTimeSource time;
    FifoStrategy fifo;
    Scheduler sched(time, fifo);
    sched.spawn(1, "yielder", [&] {
      for (int i = 0; i < kYields; ++i) sched.yield();
    });
    (void)sched.run();
  }
  state.SetItemsProcessed(state.iterations() * kYields);
  state.SetLabel("items = yield round trips");
}
BENCHMARK(SchedulerYieldInsideRun)->Unit(benchmark::kMillisecond);

void SimFsWrite4KAndFsync(benchmark::State& state) {
  sim::VirtualTimeSource time;
  sim::Rng sched_rng(1, "scheduler"), faults_rng(1, "faults"), latency(1, "latency/n"),
      crash(1, "crash/n");
  sim::RandomStrategy strategy(sched_rng);
  Scheduler sched(time, strategy);
  sim::Trace trace(sched);
  sim::FaultInjector faults(sim::FaultConfig::none(), faults_rng, trace);
  sim::SimFs fs("n", sched, faults, latency, crash, trace);
  const std::string block(4096, 'x');
  constexpr int kOps = 2000;
  for (auto _ : state) {
    sched.spawn(1, "writer", [&] {
      Result<FileHandle> f = fs.open("bench.dat", OpenMode::kCreate);
      if (!f.is_ok()) return;
      for (int i = 0; i < kOps; ++i) {
        (void)fs.append(*f, as_bytes(block));
        (void)fs.sync(*f);
      }
      (void)fs.close(*f);
      (void)fs.unlink("bench.dat");
      // Until the unlink is durable a crash could undo it, so the disk must keep the
      // file's durable image: sync the directory or memory grows with every iteration.
      (void)fs.sync_dir("");
    });
    (void)sched.run();
  }
  state.SetItemsProcessed(state.iterations() * kOps);
  state.SetLabel("items = 4 KiB write + fsync");
}
BENCHMARK(SimFsWrite4KAndFsync)->Unit(benchmark::kMillisecond);

void TraceEvent(benchmark::State& state) {
  sim::VirtualTimeSource time;
  FifoStrategy fifo;
  Scheduler sched(time, fifo);
  sim::Trace trace(sched);
  std::uint64_t lsn = 0;
  for (auto _ : state) {
    trace.emit("wal.append", {{"lsn", ++lsn}, {"page", 17u}, {"path", "wal/000001.log"}});
  }
  benchmark::DoNotOptimize(trace.hash());
}
BENCHMARK(TraceEvent);

}  // namespace
}  // namespace aurora

BENCHMARK_MAIN();
