// The session's nodes and their zones, as the network sees them (session.h): the storage in
// zone a, compute node A in zone b, B in zone c. A partition names its sides by these names:
// a node ("storage", "A", "B") or a zone ("a", "b", "c"), which stands for every node in it.
// Names are exact: "A" is the node, "a" the zone the storage is in.
//
// Header-only and free of the session, so that the scenario parser (which the fuzz build
// compiles alone) checks partition steps against the same names the session uses.
#pragma once

#include <algorithm>
#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace aurora::shell {

struct TopologyNode {
  std::string_view name;
  std::string_view zone;
};

// The storage first, then A and B (the session's NodeIndex 0 and 1).
inline constexpr std::array<TopologyNode, 3> kTopology = {{
    {"storage", "a"},
    {"A", "b"},
    {"B", "c"},
}};

// The nodes `name` stands for, in kTopology's order: itself when it is a node, every node
// of it when it is a zone; none when it is neither.
inline std::vector<std::string_view> topology_nodes_named(std::string_view name) {
  std::vector<std::string_view> out;
  for (const TopologyNode& n : kTopology) {
    if (n.name == name || n.zone == name) out.push_back(n.name);
  }
  return out;
}

// "nodes storage, A, B; zones a, b, c": what a partition's side may name, for messages.
inline std::string topology_names() {
  std::string nodes;
  std::string zones;
  for (const TopologyNode& n : kTopology) {
    nodes.append(nodes.empty() ? "" : ", ").append(n.name);
    zones.append(zones.empty() ? "" : ", ").append(n.zone);
  }
  return std::string("nodes ").append(nodes).append("; zones ").append(zones);
}

// The first node both sides name (after zones are expanded), or "" when they name none in
// common: a partition cannot cut a node off from itself.
inline std::string_view topology_overlap(const std::vector<std::string>& side_a,
                                         const std::vector<std::string>& side_b) {
  std::vector<std::string_view> a;
  for (const std::string& name : side_a) {
    for (std::string_view n : topology_nodes_named(name)) a.push_back(n);
  }
  for (const std::string& name : side_b) {
    for (std::string_view n : topology_nodes_named(name)) {
      if (std::find(a.begin(), a.end(), n) != a.end()) return n;
    }
  }
  return {};
}

}  // namespace aurora::shell
