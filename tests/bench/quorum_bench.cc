// Commit latency and throughput in simulated time, the quorum tier against the single
// storage (the base preset), with 1, 8 and 64 fibers committing at once on the writer's
// node (figures go in notes; tests never assert on time). No faults; the network's default
// latencies (20 us plus an exponential of mean 60 us) and the simulated disk's.
//
//  - counters sim_commits_per_s: commits per second of virtual time;
//  - sim_p50_us, sim_p99_us: a commit's virtual time from its append to its acknowledgement;
//  - the benchmark's own time is wall time for the whole run.
#include <benchmark/benchmark.h>

#include <memory>

#include "engine/quorum/segment_server.h"
#include "engine/quorum/writer.h"
#include "engine/storage/storage.h"
#include "sim/world.h"

namespace aurora {
namespace {

constexpr int kCommitsPerFiber = 200;
constexpr std::uint32_t kPageSize = 256;

sim::WorldOptions options() {
  sim::WorldOptions o;
  o.seed = 1;
  o.faults = sim::FaultConfig::none();
  return o;
}

std::vector<wal::Redo> mtr_of(int fiber, int i) {
  const std::vector<std::byte> bytes(16, std::byte{static_cast<unsigned char>(i)});
  return {wal::Redo{static_cast<wal::PageId>(fiber % 16), 0, bytes},
          wal::Redo{static_cast<wal::PageId>((fiber + i) % 16), 32, bytes}};
}

struct Figures {
  std::uint64_t commits = 0;
  int running = 0;  // committing fibers not done yet
  Nanos start = 0;
  Nanos took = 0;
  Histogram latency;
};

// `fibers` fibers each commit kCommitsPerFiber MTRs on `volume`, on `node`.
void commit_from_fibers(sim::World& world, NodeId node, storage::Volume& volume, int fibers,
                        Figures& f) {
  f.running = fibers;
  f.start = world.clock().now();
  for (int k = 0; k < fibers; ++k) {
    world.sched().spawn(node, "committer", [&, k] {
      for (int i = 0; i < kCommitsPerFiber; ++i) {
        Nanos at = 0;
        storage::CommitHooks hooks;
        hooks.appended = [&](wal::Lsn) { at = world.clock().now(); };
        hooks.acknowledged = [&](wal::Lsn) {
          f.latency.record(static_cast<std::uint64_t>(world.clock().now() - at));
        };
        if (volume.commit(mtr_of(k, i), hooks).is_ok()) ++f.commits;
      }
      if (--f.running == 0) f.took = world.clock().now() - f.start;
    });
  }
}

void report(benchmark::State& state, const Figures& f) {
  const double seconds = static_cast<double>(f.took) / 1e9;
  state.counters["sim_commits_per_s"] = seconds > 0 ? static_cast<double>(f.commits) / seconds : 0;
  state.counters["sim_p50_us"] = static_cast<double>(f.latency.percentile(50)) / 1e3;
  state.counters["sim_p99_us"] = static_cast<double>(f.latency.percentile(99)) / 1e3;
}

void Base(benchmark::State& state) {
  const int fibers = static_cast<int>(state.range(0));
  Figures f;
  for (auto _ : state) {
    f = Figures{};
    sim::World world(options());
    const NodeId node = world.add_node("storage", nullptr);
    std::unique_ptr<storage::Storage> s;
    world.sched().spawn(node, "open", [&] {
      storage::StorageOptions o;
      o.pages.page_size = kPageSize;
      s = std::move(storage::Storage::open(world.runtime(node), o)).value();
      commit_from_fibers(world, node, *s, fibers, f);
    });
    (void)world.run();
    world.crash(node);  // its daemon fibers go before the storage
    s.reset();
  }
  report(state, f);
}
BENCHMARK(Base)->Arg(1)->Arg(8)->Arg(64)->ArgName("fibers")->Unit(benchmark::kMillisecond);

void Quorum(benchmark::State& state) {
  const int fibers = static_cast<int>(state.range(0));
  Figures f;
  for (auto _ : state) {
    f = Figures{};
    sim::World world(options());
    std::vector<NodeId> nodes;
    const char* zones = "aabbcc";
    for (int i = 0; i < quorum::kReplicas; ++i) {
      nodes.push_back(world.add_node(std::string("s").append(std::to_string(i)), nullptr,
                                     std::string(1, zones[i])));
    }
    const quorum::VolumeLayout layout = quorum::VolumeLayout::standard(2, 4, nodes);
    std::map<NodeId, std::unique_ptr<quorum::SegmentServer>> servers;
    for (NodeId n : nodes) {
      world.sched().spawn(n, "boot", [&, n] {
        servers[n] = std::move(quorum::SegmentServer::start(
                                   world.runtime(n), layout.segments_on(n, kPageSize),
                                   quorum::SegmentServer::gossip_for(layout, n)))
                         .value();
      });
    }
    const NodeId writer_node = world.add_node("writer", nullptr, "a");
    std::unique_ptr<quorum::QuorumWriter> w;
    world.sched().spawn(writer_node, "open", [&] {
      quorum::WriterOptions o;
      o.layout = layout;
      o.page_size = kPageSize;
      w = std::move(quorum::QuorumWriter::open(world.runtime(writer_node), o)).value();
      commit_from_fibers(world, writer_node, *w, fibers, f);
    });
    // Gossip runs for ever: stop once every committer is done, with a margin.
    (void)world.run(RunLimits{.until = 60 * kSecond});
    world.crash(writer_node);
    for (NodeId n : nodes) world.crash(n);
    w.reset();
    servers.clear();
  }
  report(state, f);
}
BENCHMARK(Quorum)->Arg(1)->Arg(8)->Arg(64)->ArgName("fibers")->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace aurora

BENCHMARK_MAIN();
