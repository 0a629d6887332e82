// The simulated network (sim/sim_net.h): messages per second of wall time from send to
// delivery, in a world of two nodes, one pinging and one answering, with no faults and
// with every fault kind on (figures go in notes; tests never assert on time).
//
//  - PingPong/faults: one message in flight at a time, each delivered and answered.
//  - Burst/faults: 64 messages sent at once, then all received, repeatedly: the queue of
//    flights ordered by arrival time under load.
#include <benchmark/benchmark.h>

#include <memory>

#include "sim/world.h"

namespace aurora::sim {
namespace {

WorldOptions options(bool faults) {
  WorldOptions o;
  o.seed = 1;
  o.faults = FaultConfig::none();
  o.net = faults ? NetConfig::faulty() : NetConfig{};
  return o;
}

void PingPong(benchmark::State& state) {
  const bool faults = state.range(0) != 0;
  std::uint64_t delivered = 0;
  for (auto _ : state) {
    state.PauseTiming();
    World world(options(faults));
    const NodeId a = world.add_node("a", {});
    const NodeId b = world.add_node("b", {});
    std::unique_ptr<Endpoint> ea = std::move(world.net().bind(a, 1)).value();
    std::unique_ptr<Endpoint> eb = std::move(world.net().bind(b, 1)).value();
    const std::vector<std::byte> payload(64, std::byte{7});
    constexpr int kRounds = 20000;
    world.sched().spawn(b, "echo", [&] {
      for (;;) {
        Result<Message> m = eb->receive(world.clock().now() + 10 * kMillisecond);
        if (!m.is_ok()) return;
        (void)eb->send(m->from, m->payload);
      }
    });
    world.sched().spawn(a, "ping", [&] {
      for (int i = 0; i < kRounds; ++i) {
        (void)ea->send(Address{b, 1}, payload);
        // A lost message or answer: the next ping goes after a deadline.
        (void)ea->receive(world.clock().now() + kMillisecond);
      }
    });
    state.ResumeTiming();
    (void)world.run();
    delivered += world.net().stats().delivered;
  }
  state.counters["messages_per_s"] =
      benchmark::Counter(static_cast<double>(delivered), benchmark::Counter::kIsRate);
}
BENCHMARK(PingPong)->Arg(0)->Arg(1)->ArgName("faults")->Unit(benchmark::kMillisecond);

void Burst(benchmark::State& state) {
  const bool faults = state.range(0) != 0;
  std::uint64_t delivered = 0;
  for (auto _ : state) {
    state.PauseTiming();
    World world(options(faults));
    const NodeId a = world.add_node("a", {});
    const NodeId b = world.add_node("b", {});
    std::unique_ptr<Endpoint> ea = std::move(world.net().bind(a, 1)).value();
    std::unique_ptr<Endpoint> eb = std::move(world.net().bind(b, 1)).value();
    const std::vector<std::byte> payload(64, std::byte{7});
    world.sched().spawn(b, "sink", [&] {
      while (eb->receive(world.clock().now() + 10 * kMillisecond).is_ok()) {
      }
    });
    world.sched().spawn(a, "burst", [&] {
      for (int round = 0; round < 300; ++round) {
        for (int i = 0; i < 64; ++i) (void)ea->send(Address{b, 1}, payload);
        world.clock().sleep_for(kMillisecond);
      }
    });
    state.ResumeTiming();
    (void)world.run();
    delivered += world.net().stats().delivered;
  }
  state.counters["messages_per_s"] =
      benchmark::Counter(static_cast<double>(delivered), benchmark::Counter::kIsRate);
}
BENCHMARK(Burst)->Arg(0)->Arg(1)->ArgName("faults")->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace aurora::sim

BENCHMARK_MAIN();
