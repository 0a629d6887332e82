#include "sim/world.h"

#include "engine/runtime/assert.h"

namespace aurora::sim {

std::string_view scheduler_kind_name(SchedulerKind k) {
  return k == SchedulerKind::kPct ? "pct" : "random";
}

std::optional<SchedulerKind> parse_scheduler_kind(std::string_view s) {
  if (s == "random") return SchedulerKind::kRandom;
  if (s == "pct") return SchedulerKind::kPct;
  return std::nullopt;
}

World::World(WorldOptions options)
    : options_(std::move(options)),
      own_choices_(options_.choices == nullptr ? std::make_unique<ChoiceTape>(options_.seed)
                                               : nullptr),
      choices_(options_.choices != nullptr ? options_.choices : own_choices_.get()),
      strategy_(make_strategy()),
      sched_(std::make_unique<Scheduler>(time_, *strategy_,
                                         SchedulerOptions{.stack_size = options_.stack_size})),
      clock_(*sched_),
      trace_(std::make_unique<Trace>(*sched_)),
      faults_(std::make_unique<FaultInjector>(
          options_.faults, stream("faults"),
          [this](FaultKind k) -> Rng& {
            return stream(std::string("faults/").append(fault_kind_name(k)));
          },
          *trace_)),
      net_(std::make_unique<SimNetwork>(
          *sched_, *trace_, [this](std::string_view name) -> Rng& { return stream(name); },
          options_.net)) {
  AURORA_ASSERT(choices_->seed() == options_.seed, "a world's choice tape is of another seed");
  sched_->set_observer(trace_.get());
  nodes_[kWorldNode].name = "world";
  trace_->set_node_name(kWorldNode, "world");
}

World::~World() {
  // Fibers hold references into nodes and disks: unwind them all while those still exist.
  sched_.reset();
}

std::unique_ptr<PickStrategy> World::make_strategy() {
  if (options_.scheduler == SchedulerKind::kPct) {
    auto pct = std::make_unique<PctStrategy>(stream("scheduler"), options_.pct_depth,
                                             options_.pct_steps);
    strategy_description_ = pct->describe();
    return pct;
  }
  strategy_description_ = "random";
  return std::make_unique<RandomStrategy>(stream("scheduler"));
}

World::Node& World::node(NodeId id) {
  auto it = nodes_.find(id);
  AURORA_ASSERT(it != nodes_.end(), "unknown node " + std::to_string(id));
  return it->second;
}

const World::Node& World::node(NodeId id) const {
  auto it = nodes_.find(id);
  AURORA_ASSERT(it != nodes_.end(), "unknown node " + std::to_string(id));
  return it->second;
}

NodeId World::add_node(std::string name, std::function<void(Runtime)> boot_fn,
                       std::string zone) {
  const NodeId id = static_cast<NodeId>(nodes_.size());
  if (zone.empty()) zone = std::string(1, static_cast<char>('a' + (id - 1) % 3));
  net_->add_node(id, std::move(zone));
  Node& n = nodes_[id];
  n.name = std::move(name);
  n.boot = std::move(boot_fn);
  n.disk = std::make_unique<SimFs>(n.name, *sched_, *faults_, stream("latency/" + n.name),
                                   stream("crash/" + n.name), *trace_);
  trace_->set_node_name(id, n.name);
  boot(id);
  return id;
}

void World::boot(NodeId id) {
  Node& n = node(id);
  if (!n.boot) return;
  Runtime rt = runtime(id);
  sched_->spawn(id, n.name + ".boot", [boot = n.boot, rt] { boot(rt); });
}

const std::string& World::node_name(NodeId id) const { return node(id).name; }

std::vector<NodeId> World::nodes() const {
  std::vector<NodeId> out;
  for (const auto& [id, n] : nodes_) {
    if (id != kWorldNode) out.push_back(id);
  }
  return out;
}

SimFs& World::disk(NodeId id) {
  Node& n = node(id);
  AURORA_ASSERT(n.disk != nullptr, "the world node has no disk");
  return *n.disk;
}

Runtime World::runtime(NodeId id) {
  return Runtime{disk(id), clock_,          *sched_,       *trace_,
                 id,       &crash_points_, net_.get(), node(id).crashes + 1};
}

void World::CrashPointSites::reached(NodeId node, std::string_view name) {
  if (!world.crash_handler_) return;
  FaultInjector& faults = world.faults();
  if (!faults.config().rule(FaultKind::kCrashPoint).enabled) return;
  auto it = sites.find(name);
  if (it == sites.end()) {
    // Each site draws from a stream of its own: when a shrinker takes away other faults
    // (an fsync error and its restart, say), this site still crashes at the same reach.
    Site site{.rng = &world.stream(std::string("crash_point/").append(name))};
    Rng& rng = *site.rng;
    site.armed = rng.chance(0.5);
    // 0..1023 reaches skipped, log-uniformly: as likely under 10 as between 100 and 1000.
    if (site.armed) site.skip = (std::uint64_t{1} << rng.below(11)) - 1;
    if (site.armed && site.skip > 0) site.skip = rng.below(site.skip + 1);
    it = sites.emplace(std::string(name), site).first;
  }
  Site& site = it->second;
  if (!site.armed) return;
  if (site.skip > 0) {
    --site.skip;
    return;
  }
  const std::string& node_name = world.node_name(node);
  if (!faults.fire(FaultKind::kCrashPoint, *site.rng,
                   {{"node", std::string_view(node_name)}, {"site", name}})) {
    return;
  }
  // The crash runs next, before any other fiber (of this node or another) can; this fiber
  // waits for it, and is destroyed by it.
  world.crashing_at_point_ = node;
  world.sched_->spawn_next(kWorldNode, "crash point",
                           [w = &world, node, site_name = std::string(name)] {
                             w->crash_handler_(node, site_name);
                           });
  world.sched_->block("the crash at a crash point");
  AURORA_ASSERT(false, "a node went on past the crash point where it crashed");
}

bool World::up(NodeId id) const { return node(id).up; }
std::uint64_t World::crashes(NodeId id) const { return node(id).crashes; }

void World::crash(NodeId id, std::optional<CrashMode> mode) {
  AURORA_ASSERT(id != kWorldNode, "the world node does not crash");
  Node& n = node(id);
  AURORA_ASSERT(n.up, "crash of node '" + n.name + "', which is already down");
  AURORA_ASSERT(sched_->current_node() != id, "a node cannot crash itself from its own fiber");
  trace_->emit("node.crash", {{"node", std::string_view(n.name)}});
  // The disk goes down first, so I/O attempted by destructors on the unwinding stacks
  // fails at once with kNodeDown instead of trying to wait for simulated latency.
  const bool in_window = crashing_at_point_ == id;
  crashing_at_point_.reset();
  n.disk->crash(mode, in_window);
  net_->crash(id);  // what it has in flight is lost, and nothing its unwinding sends leaves
  sched_->kill_node(id);
  n.up = false;
  ++n.crashes;
}

void World::restart(NodeId id) {
  Node& n = node(id);
  AURORA_ASSERT(!n.up, "restart of node '" + n.name + "', which is up");
  trace_->emit("node.restart", {{"node", std::string_view(n.name)}});
  n.disk->restart();
  net_->restart(id);
  n.up = true;
  boot(id);
}

FiberId World::spawn(std::string name, std::function<void()> body, bool daemon) {
  return sched_->spawn(kWorldNode, std::move(name), std::move(body), daemon);
}

RunOutcome World::run(RunLimits limits) { return sched_->run(limits); }

std::string World::describe() const {
  std::string out;
  out += "seed: " + std::to_string(options_.seed) + "\n";
  out += "scheduler: " + strategy_description_ + "\n";
  out += options_.faults.describe();
  if (!out.empty() && out.back() != '\n') out += '\n';
  out += "net: " + options_.net.describe() + "\n";
  return out;
}

}  // namespace aurora::sim
