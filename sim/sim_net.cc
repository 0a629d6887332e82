#include "sim/sim_net.h"

#include <algorithm>
#include <cmath>
#include <deque>

#include "engine/runtime/frame.h"

namespace aurora::sim {

// --- endpoints ---------------------------------------------------------------------------

class SimNetwork::SimEndpoint final : public Endpoint {
 public:
  SimEndpoint(SimNetwork& net, Address address) : net_(&net), address_(address) {}
  ~SimEndpoint() override {
    if (net_ != nullptr && !closed_) net_->inboxes_[address_].endpoint = nullptr;
  }

  Address address() const override { return address_; }
  const EndpointStats& stats() const override { return stats_; }

  Status send(Address to, std::span<const std::byte> payload) override {
    if (net_ == nullptr || closed_) {
      return Status::node_down("endpoint " + to_string(address_) + " is closed");
    }
    AURORA_RETURN_IF_ERROR(net_->send(*this, to, payload));
    ++stats_.sent;
    return Status::ok();
  }

  Result<Message> receive(Nanos deadline) override {
    if (net_ == nullptr || closed_) {
      return Status::node_down("endpoint " + to_string(address_) + " is closed");
    }
    Result<Message> m = net_->receive(*this, deadline);
    if (m.is_ok()) ++stats_.received;
    return m;
  }

  bool closed() const { return net_ == nullptr || closed_; }
  WaitQueue& waiters() { return waiters_; }
  void count_rejected() { ++stats_.rejected; }
  // Its node crashed: nothing more comes in or goes out; a restarted node binds anew.
  void close() {
    closed_ = true;
    if (net_ != nullptr) waiters_.notify_all(net_->sched_);
  }
  void detach() { net_ = nullptr; }

 private:
  SimNetwork* net_;
  Address address_;
  bool closed_ = false;
  WaitQueue waiters_;
  EndpointStats stats_;
};

// --- the network ---------------------------------------------------------------------------

SimNetwork::SimNetwork(Scheduler& sched, EventSink& events,
                       std::function<Rng&(std::string_view)> stream, NetConfig config)
    : sched_(sched),
      events_(events),
      config_(config),
      latency_rng_(stream("net/latency")),
      chaos_rng_(stream("net/chaos")) {
  for (std::size_t k = 0; k < kNetFaultKindCount; ++k) {
    const auto kind = static_cast<NetFaultKind>(k);
    kind_rng_[k] = &stream(std::string("net/").append(net_fault_kind_name(kind)));
  }
}

SimNetwork::~SimNetwork() {
  for (auto& [address, inbox] : inboxes_) {
    if (inbox.endpoint != nullptr) inbox.endpoint->detach();
  }
}

std::size_t SimNetwork::in_flight() const {
  std::size_t n = 0;
  for (const auto& [address, inbox] : inboxes_) n += inbox.flights.size();
  return n;
}

Result<std::unique_ptr<Endpoint>> SimNetwork::bind(NodeId node, Port port) {
  auto n = nodes_.find(node);
  AURORA_ASSERT(n != nodes_.end(), "binding a port on a node the network does not know");
  if (port == 0) {
    // The next free ephemeral port of the node, in order: deterministic.
    for (std::uint32_t tries = 0; tries < 16384; ++tries) {
      const Port p = n->second.next_port;
      n->second.next_port = p == 65535 ? kFirstEphemeral : static_cast<Port>(p + 1);
      auto in = inboxes_.find(Address{node, p});
      if (in == inboxes_.end() || in->second.endpoint == nullptr) {
        port = p;
        break;
      }
    }
    if (port == 0) return Status::busy("no free port on node " + std::to_string(node));
  }
  const Address a{node, port};
  Inbox& inbox = inboxes_[a];
  if (inbox.endpoint != nullptr) {
    return Status::already_exists("port " + to_string(a) + " is bound");
  }
  // What arrived while nobody listened here was lost then.
  const Nanos now = sched_.now();
  while (!inbox.flights.empty() && inbox.flights.begin()->first.first < now) {
    auto f = inbox.flights.extract(inbox.flights.begin());
    --link_load_[{f.mapped().from.node, f.mapped().to.node}];
    drop(f.mapped(), "no_endpoint");
  }
  auto ep = std::make_unique<SimEndpoint>(*this, a);
  inbox.endpoint = ep.get();
  return std::unique_ptr<Endpoint>(std::move(ep));
}

void SimNetwork::add_node(NodeId node, std::string zone) { nodes_[node].zone = std::move(zone); }

std::uint64_t SimNetwork::incarnation(NodeId node) const { return nodes_.at(node).incarnation; }
const std::string& SimNetwork::zone(NodeId node) const { return nodes_.at(node).zone; }

std::vector<NodeId> SimNetwork::node_ids() const {
  std::vector<NodeId> out;
  for (const auto& [id, n] : nodes_) out.push_back(id);
  return out;
}

void SimNetwork::crash(NodeId node) {
  nodes_.at(node).up = false;
  for (auto& [address, inbox] : inboxes_) {
    for (auto it = inbox.flights.begin(); it != inbox.flights.end();) {
      const Flight& f = it->second;
      if (f.from.node == node || f.to.node == node) {
        --link_load_[{f.from.node, f.to.node}];
        drop(f, "crash");
        it = inbox.flights.erase(it);
      } else {
        ++it;
      }
    }
    if (address.node == node && inbox.endpoint != nullptr) {
      inbox.endpoint->close();
      inbox.endpoint = nullptr;
    }
  }
}

void SimNetwork::restart(NodeId node) {
  NodeState& n = nodes_.at(node);
  n.up = true;
  ++n.incarnation;
}

Nanos SimNetwork::exponential(Rng& rng, Nanos mean) {
  if (mean <= 0) return 0;
  // -mean * ln(1 - u), capped at 20 means so a draw near 1 cannot stall a run for hours.
  const double d = -std::log1p(-rng.unit()) * static_cast<double>(mean);
  return static_cast<Nanos>(std::min(d, 20.0 * static_cast<double>(mean)));
}

bool SimNetwork::fire(NetFaultKind k, std::initializer_list<Field> fields) {
  const std::size_t i = static_cast<std::size_t>(k);
  const FaultRule& r = config_.rules[i];
  if (!r.enabled) return false;
  if (!kind_rng_[i]->chance(r.probability)) return false;
  if (fired_[i] >= r.budget) return false;
  ++fired_[i];
  events_.emit(std::string("fault.net_").append(net_fault_kind_name(k)), fields);
  return true;
}

Status SimNetwork::send(SimEndpoint& from_ep, Address to, std::span<const std::byte> payload) {
  if (payload.size() > frame::kMaxPayload) {
    return Status::invalid_argument("a message of " + std::to_string(payload.size()) +
                                    " bytes is over the frame's bound");
  }
  // Partitions and clogs begin with the first message after one of their kinds is on (a
  // rule may be switched on at any time: a REPL's `net fault`, a scenario's step).
  if (!chaos_running_) start_chaos_if_needed();
  const Address from = from_ep.address();
  const Nanos now = sched_.now();
  auto dst = nodes_.find(to.node);
  Flight f{next_id_++, from, to, dst == nodes_.end() ? 0 : dst->second.incarnation, now,
           frame::encode(from, to, payload)};
  ++stats_.sent;
  events_.emit("net.send", {{"id", f.id},
                            {"from", std::uint64_t{from.node}},
                            {"from_port", std::uint64_t{from.port}},
                            {"to", std::uint64_t{to.node}},
                            {"to_port", std::uint64_t{to.port}},
                            {"bytes", std::uint64_t{f.frame.size()}}});
  if (!nodes_.at(from.node).up) {
    drop(f, "sender_down");  // a node being torn down by a crash: nothing leaves it
    return Status::ok();
  }
  if (dst == nodes_.end()) {
    drop(f, "no_node");
    return Status::ok();
  }
  if (!dst->second.up) {
    drop(f, "incarnation");  // only a later incarnation may receive it, and it never will
    return Status::ok();
  }
  if (cut(from.node, to.node)) {
    drop(f, "partition");
    return Status::ok();
  }
  if (link_load_[{from.node, to.node}] >= config_.capacity) {
    drop(f, "capacity");
    return Status::ok();
  }
  if (fire(NetFaultKind::kLoss, {{"id", f.id}})) {
    drop(f, "loss");
    return Status::ok();
  }
  Nanos delay = config_.latency_min + exponential(latency_rng_, config_.latency_mean);
  if (fire(NetFaultKind::kSpike, {{"id", f.id}})) {
    delay += exponential(*kind_rng_[static_cast<std::size_t>(NetFaultKind::kSpike)],
                         config_.spike_mean);
  }
  if (fire(NetFaultKind::kCorrupt, {{"id", f.id}})) {
    Rng& rng = *kind_rng_[static_cast<std::size_t>(NetFaultKind::kCorrupt)];
    std::byte& b = f.frame[rng.below(f.frame.size())];
    b ^= static_cast<std::byte>(1 + rng.below(255));
  }
  if (fire(NetFaultKind::kDuplicate, {{"id", f.id}})) {
    ++stats_.duplicated;
    events_.emit("net.duplicate", {{"id", f.id}});
    Rng& rng = *kind_rng_[static_cast<std::size_t>(NetFaultKind::kDuplicate)];
    schedule(now + delay + 1 + exponential(rng, config_.replay_mean), f);
  }
  schedule(now + delay, std::move(f));
  return Status::ok();
}

void SimNetwork::schedule(Nanos at, Flight f) {
  ++link_load_[{f.from.node, f.to.node}];
  Inbox& inbox = inboxes_[f.to];
  // Ties in arrival time go by the order of scheduling (a duplicate shares its original's
  // id, and a clog may hold both until one instant).
  const auto key = std::make_pair(at, next_flight_++);
  const bool first = inbox.flights.empty() || key < inbox.flights.begin()->first;
  inbox.flights.emplace(key, std::move(f));
  // Its receiver sleeps until the first arrival it knew of: this one comes sooner.
  if (first && inbox.endpoint != nullptr) inbox.endpoint->waiters().notify_all(sched_);
}

void SimNetwork::drop(const Flight& f, std::string_view why) {
  ++stats_.dropped;
  ++stats_.dropped_by[std::string(why)];
  events_.emit("net.drop", {{"id", f.id}, {"why", why}});
}

Nanos SimNetwork::held_until(const Flight& f) const {
  Nanos until = std::max(nodes_.at(f.from.node).clogged_until, nodes_.at(f.to.node).clogged_until);
  auto it = link_clogs_.find({f.from.node, f.to.node});
  if (it != link_clogs_.end()) until = std::max(until, it->second);
  return until;
}

bool SimNetwork::cut(NodeId from, NodeId to) const {
  return sched_.now() < partition_until_ && cut_.count({from, to}) != 0;
}

std::optional<Message> SimNetwork::arrive(Flight f, Nanos now) {
  --link_load_[{f.from.node, f.to.node}];
  const NodeState& dst = nodes_.at(f.to.node);
  if (!dst.up || dst.incarnation != f.to_incarnation) {
    drop(f, "incarnation");
    return std::nullopt;
  }
  if (cut(f.from.node, f.to.node)) {
    drop(f, "partition");
    return std::nullopt;
  }
  if (const Nanos until = held_until(f); until > now) {
    schedule(until, std::move(f));  // clogged: it waits, then goes on
    return std::nullopt;
  }
  Inbox& inbox = inboxes_.at(f.to);
  Result<Message> m = frame::decode(f.frame);
  if (!m.is_ok()) {
    ++stats_.rejected;
    inbox.endpoint->count_rejected();
    events_.emit("net.reject", {{"id", f.id}, {"why", m.status().message()}});
    return std::nullopt;
  }
  ++stats_.delivered;
  stats_.max_delay = std::max(stats_.max_delay, now - f.sent_at);
  events_.emit("net.deliver", {{"id", f.id}, {"delay", now - f.sent_at}});
  return std::move(m).value();
}

Result<Message> SimNetwork::receive(SimEndpoint& ep, Nanos deadline) {
  Inbox& inbox = inboxes_.at(ep.address());
  for (;;) {
    if (ep.closed()) {
      return Status::node_down("endpoint " + to_string(ep.address()) + " is closed");
    }
    const Nanos now = sched_.now();
    if (!inbox.flights.empty() && inbox.flights.begin()->first.first <= now) {
      auto f = inbox.flights.extract(inbox.flights.begin());
      if (std::optional<Message> m = arrive(std::move(f.mapped()), now)) return std::move(*m);
      continue;
    }
    if (now >= deadline) {
      return Status::timeout("no message for " + to_string(ep.address()) + " in time");
    }
    Nanos wake = deadline;
    if (!inbox.flights.empty()) wake = std::min(wake, inbox.flights.begin()->first.first);
    (void)ep.waiters().wait(sched_, "a message", wake);
  }
}

// --- partitions and clogs ----------------------------------------------------------------

void SimNetwork::set_rule(NetFaultKind k, FaultRule r) {
  config_.rule(k) = r;
  if (r.enabled) calm_ = false;
  start_chaos_if_needed();
}

void SimNetwork::start_chaos_if_needed() {
  if (calm_ || chaos_running_) return;
  bool any = false;
  for (std::size_t k = 0; k < kNetFaultKindCount; ++k) {
    const auto kind = static_cast<NetFaultKind>(k);
    any = any || ((is_partition(kind) || is_clog(kind)) && config_.rules[k].enabled);
  }
  if (!any) return;
  chaos_running_ = true;
  sched_.spawn(0, "net.chaos", [this] {
    struct Done {  // also when the world unwinds it
      bool& running;
      ~Done() { running = false; }
    } done{chaos_running_};
    chaos_loop();
  }, true);
}

void SimNetwork::chaos_loop() {
  Nanos next = sched_.now() + exponential(chaos_rng_, config_.chaos_interval);
  while (!calm_) {
    Nanos wake = next;
    if (!cut_.empty()) wake = std::min(wake, partition_until_);
    if (clog_until_ != 0) wake = std::min(wake, clog_until_);
    sched_.sleep_until(wake);
    if (calm_) return;
    const Nanos now = sched_.now();
    if (!cut_.empty() && partition_until_ <= now) heal();
    if (clog_until_ != 0 && clog_until_ <= now) {
      link_clogs_.clear();
      for (auto& [id, n] : nodes_) n.clogged_until = 0;
      clog_until_ = 0;
      events_.emit("net.unclog");
    }
    if (now < next) continue;
    next = now + exponential(chaos_rng_, config_.chaos_interval);
    for (std::size_t k = 0; k < kNetFaultKindCount; ++k) {
      const auto kind = static_cast<NetFaultKind>(k);
      if (is_partition(kind) && cut_.empty() && fire(kind, {})) start_fault(kind);
      if (is_clog(kind) && clog_until_ == 0 && fire(kind, {})) start_fault(kind);
    }
  }
}

namespace {

std::string list(const std::vector<NodeId>& nodes) {
  std::string out;
  for (const NodeId n : nodes) out.append(out.empty() ? "" : ",").append(std::to_string(n));
  return out;
}

}  // namespace

void SimNetwork::start_fault(NetFaultKind k) {
  std::vector<NodeId> all = node_ids();
  if (all.size() < 2) return;
  Rng& rng = chaos_rng_;
  const Nanos until =
      sched_.now() + 1 + exponential(rng, is_clog(k) ? config_.clog_mean : config_.partition_mean);
  auto halves = [&] {
    for (std::size_t i = all.size() - 1; i > 0; --i) std::swap(all[i], all[rng.below(i + 1)]);
    const std::size_t split = 1 + rng.below(all.size() - 1);
    std::vector<NodeId> a(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(split));
    std::vector<NodeId> b(all.begin() + static_cast<std::ptrdiff_t>(split), all.end());
    std::sort(a.begin(), a.end());
    std::sort(b.begin(), b.end());
    return std::make_pair(a, b);
  };
  switch (k) {
    case NetFaultKind::kPartitionNode: {
      const NodeId n = all[rng.below(all.size())];
      std::vector<NodeId> rest;
      for (const NodeId o : all) {
        if (o != n) rest.push_back(o);
      }
      partition({n}, rest, true, until, "node");
      break;
    }
    case NetFaultKind::kPartitionHalves: {
      auto [a, b] = halves();
      partition(a, b, true, until, "halves");
      break;
    }
    case NetFaultKind::kPartitionOneway: {
      auto [a, b] = halves();
      partition(a, b, false, until, "oneway");
      break;
    }
    case NetFaultKind::kPartitionZone: {
      std::set<std::string> zones;
      for (const auto& [id, n] : nodes_) zones.insert(n.zone);
      if (zones.size() < 2) return;
      auto z = zones.begin();
      std::advance(z, static_cast<std::ptrdiff_t>(rng.below(zones.size())));
      std::vector<NodeId> in, out;
      for (const auto& [id, n] : nodes_) (n.zone == *z ? in : out).push_back(id);
      partition(in, out, true, until, "zone");
      break;
    }
    case NetFaultKind::kClogLink: {
      const std::size_t a = rng.below(all.size());
      std::size_t b = rng.below(all.size() - 1);
      if (b >= a) ++b;  // any node but a
      clog(all[a], all[b], until);
      break;
    }
    case NetFaultKind::kClogNode:
      clog(all[rng.below(all.size())], std::nullopt, until);
      break;
    default: break;
  }
}

void SimNetwork::partition(const std::vector<NodeId>& from, const std::vector<NodeId>& to,
                           bool both_ways, Nanos until, std::string_view kind) {
  cut_.clear();
  for (const NodeId a : from) {
    for (const NodeId b : to) {
      if (a == b) continue;
      cut_.insert({a, b});
      if (both_ways) cut_.insert({b, a});
    }
  }
  partition_until_ = until;
  events_.emit("net.partition", {{"kind", kind},
                                 {"from", list(from)},
                                 {"to", list(to)},
                                 {"both_ways", both_ways},
                                 {"until", until}});
}

void SimNetwork::heal() {
  if (cut_.empty()) return;
  cut_.clear();
  partition_until_ = 0;
  events_.emit("net.heal");
}

void SimNetwork::clog(NodeId from, std::optional<NodeId> to, Nanos until) {
  if (to) {
    link_clogs_[{from, *to}] = until;
  } else {
    nodes_.at(from).clogged_until = until;
  }
  clog_until_ = std::max(clog_until_, until);
  events_.emit("net.clog", {{"from", std::uint64_t{from}},
                            {"to", to ? std::int64_t{*to} : std::int64_t{-1}},
                            {"until", until}});
}

void SimNetwork::calm() {
  calm_ = true;
  for (FaultRule& r : config_.rules) r.enabled = false;
  heal();
  if (clog_until_ != 0) {
    link_clogs_.clear();
    for (auto& [id, n] : nodes_) n.clogged_until = 0;
    clog_until_ = 0;
    events_.emit("net.unclog");
  }
  // Messages a clog held keep their time: they arrive when the clog would have ended.
}

std::string SimNetwork::describe_state() const {
  std::string out = "in flight: " + std::to_string(in_flight()) + "\n";
  for (const auto& [link, load] : link_load_) {
    if (load == 0) continue;
    out += "  link " + std::to_string(link.first) + " -> " + std::to_string(link.second) + ": " +
           std::to_string(load) + " in flight\n";
  }
  if (sched_.now() < partition_until_ && !cut_.empty()) {
    out += "partition: ";
    for (const auto& [a, b] : cut_) out += std::to_string(a) + "->" + std::to_string(b) + " ";
    out += partition_until_ == Scheduler::kNoDeadline
               ? std::string("(until healed)\n")
               : "(until " + std::to_string(partition_until_) + " ns)\n";
  } else {
    out += "partition: none\n";
  }
  for (const auto& [link, until] : link_clogs_) {
    if (until > sched_.now()) {
      out += "clogged link " + std::to_string(link.first) + " -> " + std::to_string(link.second) +
             " until " + std::to_string(until) + " ns\n";
    }
  }
  for (const auto& [id, n] : nodes_) {
    if (n.clogged_until > sched_.now()) {
      out += "clogged node " + std::to_string(id) + " until " + std::to_string(n.clogged_until) +
             " ns\n";
    }
  }
  return out;
}

std::string SimNetwork::summary() const {
  return "net sent=" + std::to_string(stats_.sent) + " delivered=" +
         std::to_string(stats_.delivered) + " dropped=" + std::to_string(stats_.dropped) +
         " duplicated=" + std::to_string(stats_.duplicated) + " rejected=" +
         std::to_string(stats_.rejected) + " max_delay_us=" +
         std::to_string(stats_.max_delay / kMicrosecond);
}

}  // namespace aurora::sim
