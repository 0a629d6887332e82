#include "tools/shell/session_host.h"

#include <vector>

#include "engine/runtime/posix/real_runtime.h"
#include "sim/world.h"
#include "tools/shell/topology.h"

namespace aurora::shell {
namespace {

class SimHost final : public SessionHost {
 public:
  explicit SimHost(std::uint64_t seed) : world_(options(seed)) {
    for (const TopologyNode& n : kTopology) {
      nodes_.push_back(world_.add_node(std::string(n.name), nullptr, std::string(n.zone)));
    }
  }

  static sim::WorldOptions options(std::uint64_t seed) {
    sim::WorldOptions o;
    o.seed = seed;
    o.faults = sim::FaultConfig::none();  // `fault` switches kinds on
    // Every network fault is off until `net fault` switches it on (o.net's default).
    return o;
  }

  Runtime runtime(NodeId node) override { return world_.runtime(node); }
  NodeId storage_node() const override { return nodes_[0]; }
  NodeId compute_node(int index) const override {
    return nodes_[1 + static_cast<std::size_t>(index)];
  }
  std::string_view node_name(NodeId node) const override { return world_.node_name(node); }

  RunOutcome run(RunLimits limits) override { return world_.run(limits); }

  Nanos now() const override { return const_cast<sim::World&>(world_).clock().now(); }

  void crash() override {
    for (const NodeId n : nodes_) {
      if (world_.up(n)) world_.crash(n);
    }
  }

  void restart() override {
    for (const NodeId n : nodes_) {
      if (!world_.up(n)) world_.restart(n);
    }
  }

  Status set_fault(std::string_view name, bool on, double probability) override {
    const std::optional<sim::FaultKind> kind = sim::parse_fault_kind(name);
    if (!kind) return Status::invalid_argument("unknown fault kind '" + std::string(name) + "'");
    if (*kind == sim::FaultKind::kCrashPoint) {
      return Status::invalid_argument("crash_point is not a fault of the disk: the shell crashes "
                                      "only when told to (crash)");
    }
    world_.faults().mutable_config().rule(*kind) =
        sim::FaultRule{.enabled = on, .probability = on ? probability : 0.0};
    return Status::ok();
  }

  void set_listener(Listener l) override { world_.trace().set_listener(std::move(l)); }
  sim::SimNetwork* network() override { return &world_.net(); }

 private:
  sim::World world_;
  std::vector<NodeId> nodes_;  // in kTopology's order
};

class PosixHost final : public SessionHost {
 public:
  explicit PosixHost(std::string dir) : real_(std::move(dir)) {}
  Runtime runtime(NodeId) override {
    return Runtime{real_.fs(), real_.clock(), real_.scheduler(), sink_, kNode};
  }
  NodeId storage_node() const override { return kNode; }
  NodeId compute_node(int) const override { return kNode; }
  std::string_view node_name(NodeId) const override { return kTopology[0].name; }
  RunOutcome run(RunLimits limits) override { return real_.run(limits); }
  Nanos now() const override { return const_cast<RealRuntime&>(real_).time().now(); }
  // A killed process: its fibers and memory are gone; what it wrote stays in the files
  // (the operating system keeps written pages whether or not they were fsynced).
  void crash() override { real_.scheduler().kill_node(kNode); }
  void restart() override {}
  Status set_fault(std::string_view, bool, double) override {
    return Status::invalid_argument("faults need the simulated disk (not --fs posix)");
  }
  void set_listener(Listener l) override { sink_.listener = std::move(l); }
  sim::SimNetwork* network() override { return nullptr; }

 private:
  static constexpr NodeId kNode = 0;
  struct ForwardingSink final : EventSink {
    using EventSink::emit;
    void emit(std::string_view kind, std::span<const Field> fields) override {
      if (listener) listener(kind, fields);
    }
    Listener listener;
  };
  RealRuntime real_;
  ForwardingSink sink_;
};

}  // namespace

std::unique_ptr<SessionHost> SessionHost::simulated(std::uint64_t seed) {
  return std::make_unique<SimHost>(seed);
}

std::unique_ptr<SessionHost> SessionHost::posix(std::string dir) {
  return std::make_unique<PosixHost>(std::move(dir));
}

}  // namespace aurora::shell
