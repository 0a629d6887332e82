// Where a session's fibers run (session.h): its nodes, their runtimes, their crash, and in
// simulation the network between them. Internal to the session.
//
//  - simulated(): a seeded World with three nodes (topology.h): the storage, A and B, each
//    with its own disk and its own zone, joined by the world's network. A and B reach the
//    storage over it, as any compute node does (engine/compute/remote_storage.h).
//  - posix(): the real runtime on the files of a directory: one process, one node, where A
//    and B call the storage directly; there is no network.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "engine/runtime/runtime.h"
#include "engine/runtime/status.h"
#include "sim/sim_net.h"

namespace aurora::shell {

class SessionHost {
 public:
  using Listener = std::function<void(std::string_view kind, std::span<const Field> fields)>;

  static std::unique_ptr<SessionHost> simulated(std::uint64_t seed);
  static std::unique_ptr<SessionHost> posix(std::string dir);

  virtual ~SessionHost() = default;
  virtual Runtime runtime(NodeId node) = 0;
  virtual NodeId storage_node() const = 0;
  virtual NodeId compute_node(int index) const = 0;  // 0 is A, 1 is B
  // The name events carry for a node: "storage", "A", "B"; "world" for the network's own
  // fibers in simulation.
  virtual std::string_view node_name(NodeId node) const = 0;
  virtual RunOutcome run(RunLimits limits) = 0;
  virtual Nanos now() const = 0;
  // Crashes the storage and the compute nodes: their fibers are killed (and in simulation
  // the storage's disk crashes and what the nodes had in flight is lost). restart() brings
  // them back, as new incarnations, with no fibers: the session starts them.
  virtual void crash() = 0;
  virtual void restart() = 0;
  // A fault kind of the simulated disk (sim/fault_injector.h names).
  virtual Status set_fault(std::string_view name, bool on, double probability) = 0;
  // Receives every event the engine, the world and the session emit.
  virtual void set_listener(Listener l) = 0;
  // The network between the nodes; null on real files.
  virtual sim::SimNetwork* network() = 0;

  Scheduler& sched() { return runtime(storage_node()).sched; }
};

}  // namespace aurora::shell
