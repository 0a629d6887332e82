// Round trips over real TCP on the loopback (figures go in notes, never into assertions).
//
// This process and a forked child each run their own RealRuntime and TcpNetwork (each
// runtime's run() owns its thread); the child serves an echo RpcServer.
//  - TcpRoundTrip/<payload bytes>: one RpcClient::call at a time, so items_per_second is
//    round trips per second bound by latency: two frames, two trips through each kernel,
//    two epoll wake-ups and the fibers on both sides.
//  - TcpRoundTripConcurrent/<callers>: as many fibers calling at once with 64-byte
//    payloads, all sharing the one connection each way: throughput rather than latency.
//
// One call at a time spends most of its time in the kernel waking the other process: on a
// virtual machine whose idle CPUs sleep, that wake-up can cost more than everything else.
// `taskset -c 0 tcp_bench` puts both processes on one CPU to see the figure without it.
#include <benchmark/benchmark.h>

#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "engine/runtime/posix/real_runtime.h"
#include "engine/runtime/posix/tcp_network.h"
#include "engine/runtime/rpc.h"
#include "engine/runtime/sync.h"

namespace aurora {
namespace {

constexpr NodeId kClientNode = 1;
constexpr NodeId kServerNode = 2;
constexpr Port kEchoPort = 7000;
constexpr rpc::Method kEcho = 1;
constexpr Nanos kCallDeadline = 10 * kSecond;  // only bounds a hang

// The child's life: an echo server until killed. Reports its TCP port (0: none) on `report`.
[[noreturn]] void serve_echo(int report, std::uint16_t client_port) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (report != 3) report = ::dup2(report, 3);
  ::close_range(4, ~0u, 0);  // the parent's sockets and epoll set stay the parent's
  RealRuntime rt("/tmp", kServerNode);
  Result<std::unique_ptr<TcpNetwork>> net =
      TcpNetwork::open(rt, {{kServerNode, {}}, {kClientNode, {"127.0.0.1", client_port}}});
  const std::uint16_t port = net.is_ok() ? (*net)->listen_port() : 0;
  if (::write(report, &port, sizeof port) != sizeof port || port == 0) ::_exit(2);
  ::close(report);
  Result<std::unique_ptr<rpc::RpcServer>> server =
      rpc::RpcServer::start(rt.runtime(), kEchoPort, [](const rpc::Request& r) {
        return Result<rpc::Bytes>(rpc::Bytes(r.body.begin(), r.body.end()));
      });
  if (!server.is_ok()) ::_exit(3);
  Event never(rt.scheduler());
  rt.scheduler().spawn(kServerNode, "until killed", [&] { never.wait("the end of the bench"); });
  (void)rt.run();
  ::_exit(4);
}

// This process's side: a runtime, its network, an RPC client, and the child it talks to.
struct Pair {
  Pair() {
    Result<std::unique_ptr<TcpNetwork>> n = TcpNetwork::open(rt, {{kClientNode, {}}});
    if (!n.is_ok()) return;
    net = std::move(n).value();
    int fds[2];
    if (::pipe(fds) != 0) return;
    const std::uint16_t client_port = net->listen_port();
    child = ::fork();
    if (child == 0) {
      ::close(fds[0]);
      serve_echo(fds[1], client_port);
    }
    ::close(fds[1]);
    std::uint16_t port = 0;
    pollfd p{fds[0], POLLIN, 0};
    const bool heard = child > 0 && ::poll(&p, 1, 10'000) == 1 &&
                       ::read(fds[0], &port, sizeof port) == sizeof port && port != 0;
    ::close(fds[0]);
    if (!heard || !net->set_peer(kServerNode, {"127.0.0.1", port}).is_ok()) return;
    Result<std::unique_ptr<rpc::RpcClient>> c = rpc::RpcClient::open(rt.runtime());
    if (c.is_ok()) client = std::move(c).value();
  }
  ~Pair() {
    client.reset();
    if (child > 0) {
      ::kill(child, SIGKILL);
      int status = 0;
      (void)::waitpid(child, &status, 0);
    }
  }
  bool ok() const { return client != nullptr; }
  bool call(const std::vector<std::byte>& body) {
    Result<rpc::Bytes> r = client->call({kServerNode, kEchoPort}, kEcho, body,
                                        rt.clock().now() + kCallDeadline);
    return r.is_ok() && r->size() == body.size();
  }

  RealRuntime rt{"/tmp", kClientNode};
  std::unique_ptr<TcpNetwork> net;
  pid_t child = -1;
  std::unique_ptr<rpc::RpcClient> client;
};

void TcpRoundTrip(benchmark::State& state) {
  Pair pair;
  if (!pair.ok()) {
    state.SkipWithError("could not start the echo child");
    return;
  }
  const std::vector<std::byte> body(static_cast<std::size_t>(state.range(0)), std::byte{7});
  pair.rt.scheduler().spawn(kClientNode, "bench", [&] {
    for (auto _ : state) {
      if (!pair.call(body)) {
        state.SkipWithError("a call failed");
        break;
      }
    }
  });
  (void)pair.rt.run();
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(2 * state.iterations() * state.range(0));
  state.SetLabel("items = round trips");
}
BENCHMARK(TcpRoundTrip)->Arg(64)->Arg(4096)->Arg(64 << 10)->Arg(1 << 20)->UseRealTime();

void TcpRoundTripConcurrent(benchmark::State& state) {
  Pair pair;
  if (!pair.ok()) {
    state.SkipWithError("could not start the echo child");
    return;
  }
  const auto callers = static_cast<int>(state.range(0));
  const std::vector<std::byte> body(64, std::byte{7});
  Scheduler& sched = pair.rt.scheduler();
  sched.spawn(kClientNode, "bench", [&] {
    // One batch per iteration: every caller makes one call; the batch ends with the last.
    for (auto _ : state) {
      int left = callers;
      bool failed = false;
      Event all_done(sched);
      for (int c = 0; c < callers; ++c) {
        sched.spawn(kClientNode, "caller", [&] {
          if (!pair.call(body)) failed = true;
          if (--left == 0) all_done.set();
        });
      }
      all_done.wait("the batch");
      if (failed) {
        state.SkipWithError("a call failed");
        break;
      }
    }
  });
  (void)pair.rt.run();
  state.SetItemsProcessed(state.iterations() * callers);
  state.SetLabel("items = round trips");
}
BENCHMARK(TcpRoundTripConcurrent)->Arg(8)->Arg(64)->UseRealTime();

}  // namespace
}  // namespace aurora

BENCHMARK_MAIN();
