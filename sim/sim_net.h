// SimNetwork: the world's network (DESIGN.md section 5b). Every message's delay and every
// fault is drawn from the seed's streams, and every send, delivery, drop, duplicate and
// rejected frame is a trace event ("net.*"), as is every fault ("fault.net_<kind>").
//
// A message in flight waits in its receiver's inbox, ordered by its arrival time. The
// receiving fiber takes it when its time comes (it sleeps until the first arrival or its
// deadline), after checking what may stop it on the way: a partition cutting its link, a
// clog holding it back, a crash of either end, or a restart of the receiver since it was
// sent (a restarted node is a new incarnation, and nothing addressed to an older one
// reaches it). No fiber of the network's own stands between a send and a receive: a
// message costs its receiver one wake-up. Delays are drawn independently, so messages
// overtake each other.
//
// Partitions and clogs start at opportunities drawn by a fiber of the network's own (the
// chaos fiber, started by the first message sent while one of their kinds is on; one
// opportunity every `chaos_interval` on average), last a drawn time, and heal. At
// most one partition and one clog hold at a time. calm() heals everything and turns every
// kind off, as the liveness phase wants.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "engine/runtime/network.h"
#include "engine/runtime/sync.h"
#include "sim/net_config.h"
#include "sim/rng.h"

namespace aurora::sim {

struct NetStats {
  std::uint64_t sent = 0;
  std::uint64_t delivered = 0;   // intact messages handed to an endpoint
  std::uint64_t dropped = 0;     // every reason below
  std::uint64_t duplicated = 0;  // copies made (each delivered or dropped like any message)
  std::uint64_t rejected = 0;    // damaged frames the receiver's checksum caught
  std::map<std::string, std::uint64_t> dropped_by;  // "loss", "partition", "capacity", ...
  Nanos max_delay = 0;           // the longest time from a send to its delivery
};

class SimNetwork final : public Network {
 public:
  // `stream(name)` gives the run's named random streams; `events` is the trace.
  SimNetwork(Scheduler& sched, EventSink& events, std::function<Rng&(std::string_view)> stream,
             NetConfig config);
  ~SimNetwork() override;

  Result<std::unique_ptr<Endpoint>> bind(NodeId node, Port port) override;

  // The world's nodes: each joins in a zone; a crash drops what it has in flight (to and
  // from it) and closes its endpoints; a restart begins its next incarnation.
  void add_node(NodeId node, std::string zone);
  void crash(NodeId node);
  void restart(NodeId node);
  std::uint64_t incarnation(NodeId node) const;
  const std::string& zone(NodeId node) const;

  // Cuts every link from a node of `from` to a node of `to` (and back, when `both_ways`)
  // until heal() or `until`. A new partition replaces the one in force.
  void partition(const std::vector<NodeId>& from, const std::vector<NodeId>& to, bool both_ways,
                 Nanos until = Scheduler::kNoDeadline, std::string_view kind = "manual");
  void heal();
  bool cut(NodeId from, NodeId to) const;
  // Holds every message from `from` to `to` (a node's whole interface when `to` is
  // nullopt) until `until`, then delivers them.
  void clog(NodeId from, std::optional<NodeId> to, Nanos until);
  // Heals every partition and clog and turns every fault kind off (the liveness phase).
  void calm();

  NetConfig& config() { return config_; }
  // Sets one kind's rule while the world runs (a REPL's `net fault`, a scenario's step):
  // a partition or clog kind switched on starts the chaos fiber at once.
  void set_rule(NetFaultKind k, FaultRule r);
  std::uint64_t fired(NetFaultKind k) const { return fired_[static_cast<std::size_t>(k)]; }
  const NetStats& stats() const { return stats_; }
  std::size_t in_flight() const;
  // The network's state, several lines: links with messages in flight, the partition,
  // clogs (the REPL's `net`).
  std::string describe_state() const;
  // The figures of a run's final line: "net sent=.. delivered=.. dropped=.. ...".
  std::string summary() const;

 private:
  class SimEndpoint;
  struct Flight {
    std::uint64_t id;
    Address from;
    Address to;
    std::uint64_t to_incarnation;
    Nanos sent_at;
    std::vector<std::byte> frame;
  };
  struct NodeState {
    std::string zone;
    bool up = true;
    std::uint64_t incarnation = 1;
    Nanos clogged_until = 0;
    Port next_port = kFirstEphemeral;
  };
  static constexpr Port kFirstEphemeral = 49152;

  // What an endpoint's inbox holds: messages on their way to its address, by (arrival
  // time, order of scheduling), and the endpoint bound there now (null: none).
  struct Inbox {
    std::map<std::pair<Nanos, std::uint64_t>, Flight> flights;
    SimEndpoint* endpoint = nullptr;
  };

  Status send(SimEndpoint& from, Address to, std::span<const std::byte> payload);
  Result<Message> receive(SimEndpoint& ep, Nanos deadline);
  void drop(const Flight& f, std::string_view why);
  void schedule(Nanos at, Flight f);
  // A message whose time came: what stops it on the way, or the message.
  std::optional<Message> arrive(Flight f, Nanos now);
  void chaos_loop();
  void start_chaos_if_needed();
  void start_fault(NetFaultKind k);
  bool fire(NetFaultKind k, std::initializer_list<Field> fields);
  Nanos exponential(Rng& rng, Nanos mean);
  Nanos held_until(const Flight& f) const;
  std::vector<NodeId> node_ids() const;

  Scheduler& sched_;
  EventSink& events_;
  NetConfig config_;
  Rng& latency_rng_;  // "net/latency": every message's delay
  Rng& chaos_rng_;    // "net/chaos": when, what and how long for partitions and clogs
  std::array<Rng*, kNetFaultKindCount> kind_rng_{};  // "net/<kind>": each kind's decisions
  std::array<std::uint64_t, kNetFaultKindCount> fired_{};

  std::map<NodeId, NodeState> nodes_;
  std::map<Address, Inbox> inboxes_;
  // Per link: messages sent and not yet received nor dropped (the capacity's count).
  std::map<std::pair<NodeId, NodeId>, std::uint32_t> link_load_;
  std::set<std::pair<NodeId, NodeId>> cut_;  // directed links a partition cuts
  Nanos partition_until_ = 0;
  std::map<std::pair<NodeId, NodeId>, Nanos> link_clogs_;
  Nanos clog_until_ = 0;  // the clog in force (link or node) ends then
  std::uint64_t next_id_ = 1;
  std::uint64_t next_flight_ = 1;
  NetStats stats_;
  bool chaos_running_ = false;  // the chaos fiber is there (it ends when calm() is called)
  bool calm_ = false;
};

}  // namespace aurora::sim
