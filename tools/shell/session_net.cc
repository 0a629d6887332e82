// The session's network commands (session.h: partition, heal, set_net_fault, net_state) and
// the names they take (topology.h).
#include <string>
#include <vector>

#include "sim/net_config.h"
#include "tools/shell/session.h"
#include "tools/shell/session_host.h"
#include "tools/shell/topology.h"

namespace aurora::shell {
namespace {

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out.append(out.empty() ? "" : " ").append(n);
  return out;
}

std::string net_fault_kinds() {
  std::string out;
  for (std::size_t k = 0; k < sim::kNetFaultKindCount; ++k) {
    out.append(out.empty() ? "" : ", ")
        .append(sim::net_fault_kind_name(static_cast<sim::NetFaultKind>(k)));
  }
  return out;
}

// The node of the host that kTopology[i] is.
NodeId host_node(const SessionHost& host, std::size_t i) {
  return i == 0 ? host.storage_node() : host.compute_node(static_cast<int>(i - 1));
}

// The nodes of one side of a partition, each once, in kTopology's order.
Result<std::vector<NodeId>> side_nodes(const SessionHost& host,
                                       const std::vector<std::string>& names,
                                       std::string_view which) {
  if (names.empty()) {
    return Status::invalid_argument(std::string("partition: the ").append(which).append(
        " side names no node or zone (").append(topology_names()).append(")"));
  }
  std::vector<bool> in(kTopology.size(), false);
  for (const std::string& name : names) {
    const std::vector<std::string_view> named = topology_nodes_named(name);
    if (named.empty()) {
      return Status::invalid_argument(std::string("partition: unknown node or zone '")
                                          .append(name).append("' (")
                                          .append(topology_names()).append(")"));
    }
    for (std::size_t i = 0; i < kTopology.size(); ++i) {
      for (std::string_view n : named) in[i] = in[i] || kTopology[i].name == n;
    }
  }
  std::vector<NodeId> out;
  for (std::size_t i = 0; i < kTopology.size(); ++i) {
    if (in[i]) out.push_back(host_node(host, i));
  }
  return out;
}

}  // namespace

bool Session::networked() const { return host_->network() != nullptr; }

Status Session::need_network(std::string_view what) const {
  if (networked()) return Status::ok();
  return Status::invalid_argument(std::string(what).append(
      " needs the simulated network (not --fs posix): on real files A, B and the storage "
      "share one process and call each other directly"));
}

void Session::announce_network() {
  if (!networked()) return;
  for (std::size_t i = 0; i < kTopology.size(); ++i) {
    emit("shell.net_node", {{"node", kTopology[i].name},
                            {"id", std::uint64_t{host_node(*host_, i)}},
                            {"zone", kTopology[i].zone}});
  }
}

Status Session::partition(const std::vector<std::string>& side_a,
                          const std::vector<std::string>& side_b, bool both_ways) {
  AURORA_RETURN_IF_ERROR(need_network("partition"));
  const Result<std::vector<NodeId>> from = side_nodes(*host_, side_a, "first");
  if (!from.is_ok()) return from.status();
  const Result<std::vector<NodeId>> to = side_nodes(*host_, side_b, "second");
  if (!to.is_ok()) return to.status();
  if (const std::string_view both = topology_overlap(side_a, side_b); !both.empty()) {
    return Status::invalid_argument(std::string("partition: ").append(both).append(
        " is on both sides: a partition cuts one side off from the other"));
  }
  const std::string a = join(side_a);
  const std::string b = join(side_b);
  emit("shell.partition", {{"from", std::string_view(a)},
                           {"to", std::string_view(b)},
                           {"both_ways", both_ways}});
  host_->network()->partition(*from, *to, both_ways);
  return Status::ok();
}

Status Session::heal() {
  AURORA_RETURN_IF_ERROR(need_network("heal"));
  emit("shell.heal", {});
  host_->network()->heal();
  return Status::ok();
}

Status Session::set_net_fault(std::string_view kind, bool on, double probability) {
  AURORA_RETURN_IF_ERROR(need_network("net fault"));
  const std::optional<sim::NetFaultKind> k = sim::parse_net_fault_kind(kind);
  if (!k) {
    return Status::invalid_argument(std::string("unknown network fault kind '")
                                        .append(kind).append("' (known: ")
                                        .append(net_fault_kinds()).append(")"));
  }
  if (!(probability >= 0.0 && probability <= 1.0)) {
    return Status::invalid_argument(std::string("net fault ").append(kind).append(
        ": the probability must be in [0, 1], not ").append(std::to_string(probability)));
  }
  host_->network()->set_rule(
      *k, sim::FaultRule{.enabled = on, .probability = on ? probability : 0.0});
  emit("shell.net_fault", {{"kind", kind}, {"on", on}});
  return Status::ok();
}

Result<std::string> Session::net_state() const {
  AURORA_RETURN_IF_ERROR(need_network("net"));
  sim::SimNetwork& net = *host_->network();
  // The network numbers its nodes; the legend says which is which.
  std::string out = "nodes:";
  for (std::size_t i = 0; i < kTopology.size(); ++i) {
    out.append(i == 0 ? " " : ", ")
        .append(std::to_string(host_node(*host_, i)))
        .append(" ")
        .append(kTopology[i].name)
        .append(" (zone ")
        .append(net.zone(host_node(*host_, i)))
        .append(")");
  }
  out.append("\n").append(net.describe_state());
  out.append("config: ").append(net.config().describe()).append("\n");
  out.append(net.summary()).append("\n");
  return out;
}

}  // namespace aurora::shell
