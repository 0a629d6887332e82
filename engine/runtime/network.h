// Network: messages between the endpoints of nodes (DESIGN.md section 5b).
//
// A message is bytes from an endpoint of one node to an endpoint of another. The network
// promises only that a message delivered was sent (or is a copy of one sent), intact:
// never that it arrives, arrives once, or arrives in the order it was sent. Each
// implementation frames every message with its length and a checksum (frame.h), and the
// receiving endpoint drops a damaged frame (counting it) rather than deliver it.
//
// Two implementations: the simulated network (sim/sim_net.h), whose delays and faults
// are drawn from the seed, and TCP on the loopback (posix/tcp_network.h). Engine code
// sees only this interface, and builds requests with deadlines on it (rpc.h).
#pragma once

#include <compare>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "engine/runtime/scheduler.h"
#include "engine/runtime/status.h"

namespace aurora {

using Port = std::uint16_t;

// An endpoint: a port on a node. Port 0 in bind() asks for any free port.
struct Address {
  NodeId node = 0;
  Port port = 0;
  friend auto operator<=>(const Address&, const Address&) = default;
};
std::string to_string(Address a);  // "n3:7000"

struct Message {
  Address from;
  Address to;
  std::vector<std::byte> payload;
};

struct EndpointStats {
  std::uint64_t sent = 0;
  std::uint64_t received = 0;  // intact messages handed to receive()
  std::uint64_t rejected = 0;  // damaged frames dropped (bad length or checksum)
};

// One bound port. Used only by fibers of its own node. Destroying it closes the port:
// messages queued or still on the way to it are dropped.
class Endpoint {
 public:
  virtual ~Endpoint() = default;
  virtual Address address() const = 0;
  // Sends without waiting. An error only for what is known at once (a payload over
  // frame.h's bound); a message accepted may still be lost.
  virtual Status send(Address to, std::span<const std::byte> payload) = 0;
  // Waits for the next intact message, until `deadline` (then kTimeout).
  virtual Result<Message> receive(Nanos deadline = Scheduler::kNoDeadline) = 0;
  virtual const EndpointStats& stats() const = 0;
};

class Network {
 public:
  virtual ~Network() = default;
  // Binds `port` (0: any free one) on `node`; kAlreadyExists when it is taken.
  virtual Result<std::unique_ptr<Endpoint>> bind(NodeId node, Port port) = 0;
};

}  // namespace aurora
