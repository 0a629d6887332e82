// Engine benchmarks (figures go in notes; tests never assert on time).
//
//  - Append/{sim,real}: one fiber appends 100-byte single-record MTRs under group commit,
//    then syncs; records/s and bytes/s, on the simulated disk and on real files.
//  - Commit/{policy}/{writers}: on real files, `writers` fibers each commit MTRs and wait
//    for durability; commits/s, mean commit latency, fsyncs per commit.
//  - ReadCost/{chain}/{images}: one page written by `chain` records; the cost of reading
//    it at VDL with the cache off, without and with page images (simulated disk).
#include <benchmark/benchmark.h>

#include <chrono>
#include <string>
#include <vector>

#include "engine/runtime/posix/real_runtime.h"
#include "engine/storage/page_store.h"
#include "engine/util/histogram.h"
#include "engine/wal/log.h"
#include "sim/world.h"
#include "tests/engine/temp_dir.h"

namespace aurora {
namespace {

using wal::Durability;
using wal::Log;
using wal::LogOptions;
using wal::Lsn;
using wal::PageId;
using wal::Redo;

using testing::TempDir;

sim::WorldOptions quiet_world() {
  sim::WorldOptions o;
  o.faults = sim::FaultConfig::none();
  return o;
}

Redo record(PageId page) { return Redo{page, 0, std::vector<std::byte>(100, std::byte{7})}; }

// Appends `n` records from one fiber and syncs; returns (records, bytes).
void append_n(Runtime rt, int n, benchmark::State& state) {
  LogOptions o;
  o.durability = Durability::kGroup;
  o.segment_bytes = 4 * 1024 * 1024;
  Result<std::unique_ptr<Log>> log = Log::open(rt, o);
  if (!log.is_ok()) {
    state.SkipWithError(log.status().to_string().c_str());
    return;
  }
  for (int i = 0; i < n; ++i) {
    const Redo r = record(static_cast<PageId>(i % 64));
    if (!(*log)->append(std::span(&r, 1)).is_ok()) return;
  }
  if (!(*log)->sync().is_ok()) state.SkipWithError("sync failed");
}

constexpr int kAppendRecords = 20'000;

void AppendSim(benchmark::State& state) {
  for (auto _ : state) {
    sim::World world(quiet_world());
    const NodeId n = world.add_node("storage", nullptr);
    world.sched().spawn(n, "appender", [&] { append_n(world.runtime(n), kAppendRecords, state); });
    (void)world.run();
  }
  state.SetItemsProcessed(state.iterations() * kAppendRecords);
  state.SetBytesProcessed(state.iterations() * kAppendRecords *
                          static_cast<std::int64_t>(wal::encoded_record_size(100)));
}
BENCHMARK(AppendSim)->Unit(benchmark::kMillisecond)->UseRealTime();

void AppendReal(benchmark::State& state) {
  for (auto _ : state) {
    TempDir dir;
    RealRuntime real(dir.path);
    real.scheduler().spawn(0, "appender", [&] { append_n(real.runtime(), kAppendRecords, state); });
    (void)real.run();
  }
  state.SetItemsProcessed(state.iterations() * kAppendRecords);
  state.SetBytesProcessed(state.iterations() * kAppendRecords *
                          static_cast<std::int64_t>(wal::encoded_record_size(100)));
}
BENCHMARK(AppendReal)->Unit(benchmark::kMillisecond)->UseRealTime();

void Commit(benchmark::State& state, Durability policy) {
  const int writers = static_cast<int>(state.range(0));
  const int per_writer = std::max(4, 256 / writers);
  Histogram latency_ns;
  std::uint64_t commits = 0, fsyncs = 0;
  for (auto _ : state) {
    TempDir dir;
    RealRuntime real(dir.path);
    real.scheduler().spawn(0, "main", [&] {
      LogOptions o;
      o.durability = policy;
      o.group_max_delay = 500 * kMicrosecond;
      o.interval = 2 * kMillisecond;
      Result<std::unique_ptr<Log>> log = Log::open(real.runtime(), o);
      if (!log.is_ok()) return;
      int done = 0;
      for (int w = 0; w < writers; ++w) {
        real.runtime().spawn("writer", [&, w] {
          for (int i = 0; i < per_writer; ++i) {
            const auto start = std::chrono::steady_clock::now();
            const Redo r = record(static_cast<PageId>(w));
            Result<Lsn> cpl = (*log)->append(std::span(&r, 1));
            if (!cpl.is_ok()) break;
            const Status s = policy == Durability::kManual ? (*log)->sync()
                                                           : (*log)->wait_durable(*cpl);
            if (!s.is_ok()) break;
            latency_ns.record(static_cast<std::uint64_t>(
                std::chrono::duration_cast<std::chrono::nanoseconds>(
                    std::chrono::steady_clock::now() - start)
                    .count()));
            ++commits;
          }
          ++done;
        });
      }
      while (done < writers) real.clock().sleep_for(kMillisecond);
      fsyncs += (*log)->stats().fsyncs;
    });
    (void)real.run();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(commits));
  state.counters["p50_us"] = static_cast<double>(latency_ns.percentile(50)) / 1000;
  state.counters["p99_us"] = static_cast<double>(latency_ns.percentile(99)) / 1000;
  state.counters["fsyncs_per_commit"] = commits ? static_cast<double>(fsyncs) / commits : 0;
}
BENCHMARK_CAPTURE(Commit, every_commit, Durability::kEveryCommit)
    ->Arg(1)->Arg(8)->Arg(64)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();
BENCHMARK_CAPTURE(Commit, group, Durability::kGroup)
    ->Arg(1)->Arg(8)->Arg(64)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();
BENCHMARK_CAPTURE(Commit, interval, Durability::kInterval)
    ->Arg(1)->Arg(8)->Arg(64)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();
BENCHMARK_CAPTURE(Commit, manual, Durability::kManual)
    ->Arg(1)->Arg(8)->Arg(64)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();

void ReadCost(benchmark::State& state) {
  const int chain = static_cast<int>(state.range(0));
  const bool images = state.range(1) != 0;
  sim::World world(quiet_world());
  const NodeId n = world.add_node("storage", nullptr);
  std::unique_ptr<Log> log;
  std::unique_ptr<storage::PageStore> store;
  world.sched().spawn(n, "setup", [&] {
    LogOptions o;
    o.segment_bytes = 4 * 1024 * 1024;
    log = Log::open(world.runtime(n), o).value();
    storage::PageStoreOptions po;
    po.page_size = 4096;
    po.cache_pages = 0;  // every read materializes
    po.image_after = 16;
    store = storage::PageStore::open(world.runtime(n), *log, "db", po).value();
    for (int i = 0; i < chain; ++i) {
      const Redo r{1, static_cast<std::uint32_t>((i * 100) % 3996), std::vector<std::byte>(100)};
      (void)log->append(std::span(&r, 1));
    }
    (void)log->sync();
    if (images) (void)store->write_images(log->vdl());
  });
  (void)world.run();
  const std::uint64_t walked_before = store->stats().chain_records_walked;
  for (auto _ : state) {
    world.sched().spawn(n, "reader", [&] { benchmark::DoNotOptimize(store->read(1, log->vdl())); });
    (void)world.run();
  }
  state.counters["records_walked_per_read"] =
      static_cast<double>(store->stats().chain_records_walked - walked_before) /
      static_cast<double>(state.iterations());
  store.reset();
  log.reset();
}
BENCHMARK(ReadCost)
    ->ArgsProduct({{10, 100, 1000, 10000}, {0, 1}})
    ->ArgNames({"chain", "images"})
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace aurora

BENCHMARK_MAIN();
