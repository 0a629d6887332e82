// What the visualizer (viz.h) knows of the session's network, followed from the events alone:
//  - its nodes, their numbers and zones (shell.net_node: the network's own events name
//    nodes by number);
//  - the messages in flight on each link: net.send and net.duplicate add one, net.deliver,
//    net.drop and net.reject take one away;
//  - the partition in force (net.partition, until net.heal or the time it ends);
//  - the clogs in force (net.clog, until net.unclog or the time each ends).
// The visualizer draws from it (viz.cc); this file only follows.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tools/shell/session.h"

namespace aurora::shell {

class NetView {
 public:
  // Whether `kind` is an event this follows (shell.net_node, net.*).
  static bool follows(std::string_view kind);
  void follow(const Event& e);

  // A node by its number: "storage", or "n7" for a node no shell.net_node named.
  std::string name(std::uint64_t node) const;
  // "A -> storage" for a message in flight; "" for one not known to be.
  std::string link_of(std::uint64_t message) const;

  struct Link {
    std::string from;
    std::string to;
    bool cut = false;      // by the partition in force
    bool clogged = false;  // held back by a clog in force
    std::uint64_t in_flight = 0;
  };
  // Every direction of every link between the named nodes, by node number, at `now`.
  std::vector<Link> links(Nanos now) const;

  struct Partition {
    std::string kind;  // "manual" (the session's), "node", "halves", "zone", "oneway"
    std::vector<std::string> from;
    std::vector<std::string> to;
    bool both_ways = true;
    Nanos until = 0;  // Scheduler::kNoDeadline: until healed
  };
  // The partition in force at `now`, if any.
  std::optional<Partition> partition(Nanos now) const;

  // The named nodes with their zones: "storage (zone a), A (zone b), B (zone c)".
  std::string nodes() const;

 private:
  struct Node {
    std::string name;
    std::string zone;
  };
  struct Flight {
    std::uint64_t from = 0;
    std::uint64_t to = 0;
    std::uint64_t copies = 0;  // a duplicate is a second copy of the same message
  };
  bool cut(std::uint64_t from, std::uint64_t to, Nanos now) const;
  bool clogged(std::uint64_t from, std::uint64_t to, Nanos now) const;
  std::vector<std::string> names(std::string_view list) const;  // "1,2" -> {"storage", "A"}

  std::map<std::uint64_t, Node> nodes_;
  std::map<std::uint64_t, Flight> flights_;  // by message id
  std::optional<Partition> partition_;
  std::set<std::pair<std::uint64_t, std::uint64_t>> cut_;
  std::map<std::pair<std::uint64_t, std::uint64_t>, Nanos> link_clogs_;  // until
  std::map<std::uint64_t, Nanos> node_clogs_;                            // until
};

}  // namespace aurora::shell
