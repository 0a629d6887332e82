// TcpNetwork: the Network of a real process, over TCP on the loopback (TCP_NETWORK.md).
//
// One process is one node. Its TcpNetwork listens on the TCP port that its own entry of
// the peer table names, and every endpoint it binds (an aurora port, not a TCP port)
// shares that one listener: a frame carries its sender's and receiver's addresses
// (frame.h), so the receiving process hands each intact frame to the endpoint bound at the
// frame's `to` port, and drops (and counts) one for a port nobody has bound.
//
// Sending opens one connection per destination node, found in the peer table, lazily and
// without blocking, and queues frames in user space while it connects or while the
// kernel's buffer is full: send() never blocks. A connection carries frames one way only
// (a node answers over its own connection to the asker). A connection that fails drops
// what it had queued, which the network is allowed to do (network.h), and the next send to
// that node connects again. A frame that arrives damaged (a length out of bounds, a
// checksum that fails) is counted and ends its connection: the stream can no longer be
// trusted to split where the sender split it. A peer that closes in the middle of a frame
// delivers nothing of it.
//
// Scheduling. Everything runs on the scheduler's one OS thread, and nothing blocks that
// thread but the wait the scheduler asks for:
//  - Idle. When no fiber can run, the scheduler calls the time source's advance_to(next
//    timer). The network is the IoPoller of the runtime's RealTimeSource, so that call
//    waits in epoll until the timer or until a socket is ready; it handles what is ready
//    (accepts, reads, writes, completed connects) and returns early once a message made a
//    fiber runnable (WaitQueue::notify_one, callable outside fibers). The scheduler's loop
//    then runs that fiber: it fires only the timers that are due.
//  - Busy. While fibers keep running, the scheduler never waits, so the network's own
//    daemon fiber, "net.io", services the sockets: every `busy_poll_interval` (a timer, so
//    busy fibers pay one timer per interval, not a switch per round of the run queue) it
//    polls without waiting, then yields once. If no other fiber ran between its yield and
//    its return (exact under FIFO picking), nothing else is runnable and it parks, so an
//    idle process does not tick; otherwise it sleeps for the next interval. The end of the
//    scheduler's next idle wait unparks it, so it is back whenever fibers run again. One
//    case escapes: if fibers become runnable while it is parked and the scheduler has not
//    waited (a timer due the moment it parks, a spawn from outside run()), and they then
//    never pause, the sockets wait up to `idle_park` for its timer.
//  - No false deadlock. Parked, the daemon holds a timer of `idle_park`, so while the
//    network is open the scheduler never sees "nothing runnable, no timer": fibers that
//    wait on receive() with no deadline are a server waiting for requests, not a deadlock.
//    An idle process wakes once every `idle_park` for it.
//
// Why epoll and not Boost.Asio: the scheduler is single-threaded and cooperative and
// already owns the event loop; it needs only "wait until the next timer or a ready socket"
// and "what is ready now", which epoll gives in a few calls and no dependency, whereas Asio
// brings its own executor and loop that would have to be driven from inside ours.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>

#include "engine/runtime/network.h"
#include "engine/runtime/posix/real_runtime.h"
#include "engine/runtime/status.h"

namespace aurora {

// Where a node listens. Only IPv4 literals: a name would need a lookup that blocks.
struct TcpPeer {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;  // 0 for this process's own entry: any free port (listen_port())
};
using PeerTable = std::map<NodeId, TcpPeer>;

struct TcpOptions {
  std::size_t max_queued_bytes = std::size_t{64} << 20;  // per outgoing connection
  std::size_t max_endpoint_queue = 65536;  // messages waiting in one endpoint for receive()
  std::size_t max_incoming = 1024;         // accepted connections open at once
  Nanos busy_poll_interval = 50 * kMicrosecond;
  Nanos idle_park = 100 * kMillisecond;
};

struct TcpNetworkStats {
  std::uint64_t sent = 0;        // frames queued on a connection to another node
  std::uint64_t received = 0;    // intact frames read from connections
  std::uint64_t local = 0;       // messages between endpoints of this node (no socket)
  std::uint64_t dropped = 0;     // lost here: failed connection, a full queue, unknown node
  std::uint64_t unroutable = 0;  // intact frames for another node or a port nobody bound
  std::uint64_t rejected = 0;    // damaged frames that no endpoint of ours was named in
  std::uint64_t truncated = 0;   // connections their peer closed in the middle of a frame
  std::uint64_t connects = 0;    // outgoing connections begun (failed ones too)
  std::uint64_t connect_failures = 0;
  std::uint64_t accepted = 0;    // incoming connections
  std::uint64_t refused = 0;     // incoming connections closed at once: over max_incoming
};

class TcpNetwork final : public Network, public IoPoller {
 public:
  // Listens on the entry of `peers` for `rt`'s node, installs itself as the poller of
  // rt's time source and as rt's network (rt.runtime().net), and starts its daemon fiber.
  // Destroying it undoes all three; destroy it before `rt`. kInvalidArgument for a table
  // without this node or with a host that is no IPv4 address; kIoError when the port
  // cannot be listened on (taken, say).
  static Result<std::unique_ptr<TcpNetwork>> open(RealRuntime& rt, PeerTable peers,
                                                  TcpOptions options = {});
  ~TcpNetwork() override;
  TcpNetwork(const TcpNetwork&) = delete;
  TcpNetwork& operator=(const TcpNetwork&) = delete;

  // Binds an aurora port of this process's node (binding another node's is a programmer
  // error). Port 0 takes the next free one from 49152 up.
  Result<std::unique_ptr<Endpoint>> bind(NodeId node, Port port) override;

  // IoPoller: the time source's wait, and the daemon's polls without waiting.
  bool poll(Nanos timeout) override;

  NodeId self() const { return self_; }
  // The TCP port this process listens on (the one chosen when its entry said 0).
  std::uint16_t listen_port() const { return listen_port_; }
  // Adds or replaces a peer's entry. A connection open to its old address is closed (what
  // it had queued is dropped); the next send connects to the new one. Not for this node.
  Status set_peer(NodeId node, TcpPeer peer);
  const TcpNetworkStats& stats() const { return stats_; }
  std::size_t open_connections() const { return conns_.size(); }

 private:
  class TcpEndpoint;
  class RecvBuffer;
  struct Conn;

  TcpNetwork(RealRuntime& rt, PeerTable peers, TcpOptions options);
  Status listen();

  // Called by endpoints.
  Status send(Address from, Address to, std::span<const std::byte> payload);
  void unbind(Port port);

  void io_loop();
  int wait_ready(void* events, int capacity, Nanos timeout);
  void on_listener();
  void watch_listener(bool on);
  void on_incoming(std::uint64_t token, std::uint32_t ready);
  void on_outgoing(std::uint64_t token, std::uint32_t ready);
  bool split_frames(std::uint64_t token, Conn& c);  // false: the connection was closed
  void reject(std::span<const std::byte> frame);
  void deliver(Message m);
  Conn* connection_to(NodeId node, std::uint64_t& token);
  void flush(std::uint64_t token, Conn& c);
  bool watch(std::uint64_t token, Conn& c, std::uint32_t events);
  void close_conn(std::uint64_t token);

  RealRuntime& rt_;
  Scheduler& sched_;
  NodeId self_;
  PeerTable peers_;
  TcpOptions options_;
  int epoll_fd_ = -1;
  int listen_fd_ = -1;
  std::uint16_t listen_port_ = 0;
  bool have_pwait2_ = true;  // epoll_pwait2 (ns timeouts) until the kernel says ENOSYS
  bool listener_paused_ = false;  // out of descriptors: not watched until accept_retry_at_
  Nanos accept_retry_at_ = 0;

  std::map<Port, TcpEndpoint*> endpoints_;
  Port next_port_ = kFirstEphemeral;
  std::map<std::uint64_t, std::unique_ptr<Conn>> conns_;  // by token (the epoll key, never reused)
  std::map<NodeId, std::uint64_t> outgoing_;  // destination node -> its connection's token
  std::uint64_t next_token_ = 1;              // 0 is the listener
  std::size_t incoming_ = 0;

  FiberId io_fiber_ = 0;
  bool parked_ = false;     // the daemon waits for the scheduler's next idle wait to end
  bool woke_ = false;       // the poll under way made a fiber runnable
  Nanos last_poll_ = 0;
  TcpNetworkStats stats_;

  static constexpr Port kFirstEphemeral = 49152;
};

}  // namespace aurora
