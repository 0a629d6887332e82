// World: one deterministic run. It owns the scheduler (with the run's strategy), the
// virtual clock, the trace, the fault injector, the named random streams, and the nodes,
// each with its own simulated disk.
//
// A node is a group of fibers that crash together. crash(node) destroys its fibers and
// applies the crash model to its disk; restart(node) brings the disk back and calls the
// node's boot function again, which starts fresh fibers on whatever survived.
// Node 0 is the world's own node: the workload's driver and chaos fibers run there, it
// has no disk and it never crashes.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/runtime/clock.h"
#include "engine/runtime/runtime.h"
#include "engine/runtime/scheduler.h"
#include "sim/choice_tape.h"
#include "sim/fault_injector.h"
#include "sim/net_config.h"
#include "sim/rng.h"
#include "sim/sim_fs.h"
#include "sim/sim_net.h"
#include "sim/strategies.h"
#include "sim/trace.h"
#include "sim/virtual_time.h"

namespace aurora::sim {

enum class SchedulerKind : std::uint8_t { kRandom, kPct };
std::string_view scheduler_kind_name(SchedulerKind k);
std::optional<SchedulerKind> parse_scheduler_kind(std::string_view s);

struct WorldOptions {
  std::uint64_t seed = 1;
  SchedulerKind scheduler = SchedulerKind::kRandom;
  int pct_depth = 3;                   // PCT's d
  std::uint64_t pct_steps = 200'000;   // PCT's k: change points are drawn below this
  FaultConfig faults = FaultConfig::recoverable();
  NetConfig net;  // the network's latencies and faults (every fault off by default)
  std::size_t stack_size = 128 * 1024;
  // Where the run's random streams come from. Null: a tape of `seed` that records nothing,
  // owned by the world. A tape given here must be of `seed` and outlive the world.
  ChoiceTape* choices = nullptr;
};

class World {
 public:
  static constexpr NodeId kWorldNode = 0;

  explicit World(WorldOptions options);
  ~World();
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  std::uint64_t seed() const { return options_.seed; }
  const WorldOptions& options() const { return options_; }
  // The named stream `name` of this run's choice tape. Streams are created on first use and
  // independent of each other: "scheduler", "faults", "workload", "node/<name>", ...
  Rng& stream(std::string_view name) { return choices_->stream(name); }
  ChoiceTape& choices() { return *choices_; }

  Scheduler& sched() { return *sched_; }
  Clock& clock() { return clock_; }
  Trace& trace() { return *trace_; }
  FaultInjector& faults() { return *faults_; }
  SimNetwork& net() { return *net_; }

  // Adds a node with its own disk, in `zone` of the network (empty: zones a, b and c in
  // turn). `boot` runs (as a fiber on the node) now and after every restart; it must
  // start the node's fibers from what the disk holds.
  NodeId add_node(std::string name, std::function<void(Runtime)> boot, std::string zone = "");
  const std::string& node_name(NodeId node) const;
  std::vector<NodeId> nodes() const;  // every node but the world's own, in id order
  SimFs& disk(NodeId node);
  Runtime runtime(NodeId node);
  bool up(NodeId node) const;
  std::uint64_t crashes(NodeId node) const;

  // Kills the node's fibers and crashes its disk. Call from a fiber of another node (the
  // world's own, typically) or from outside run(). `mode` overrides the run's crash mode.
  void crash(NodeId node, std::optional<CrashMode> mode = std::nullopt);
  // Brings a crashed node back and boots it again.
  void restart(NodeId node);

  // What crashes a node that reached a crash point where it is to crash (crash_point.h):
  // it must crash(node) (it runs as a fiber of the world's own node, before any other
  // fiber). Without a handler, crash points never fire and draw nothing.
  void set_crash_handler(std::function<void(NodeId node, std::string_view site)> handler) {
    crash_handler_ = std::move(handler);
  }

  // Spawns a fiber on the world's own node (drivers, chaos).
  FiberId spawn(std::string name, std::function<void()> body, bool daemon = false);
  RunOutcome run(RunLimits limits = {});

  // The run's configuration, one "key: value" per line, as printed before a run.
  std::string describe() const;

 private:
  struct Node {
    std::string name;
    std::function<void(Runtime)> boot;
    std::unique_ptr<SimFs> disk;
    bool up = true;
    std::uint64_t crashes = 0;
  };
  Node& node(NodeId id);
  const Node& node(NodeId id) const;
  void boot(NodeId id);

  std::unique_ptr<PickStrategy> make_strategy();

  // The crash points of every node's runtime. A site is armed or not for the whole run,
  // drawn when it is first reached; an armed site skips a number of reaches drawn on a log
  // scale (so a site reached thousands of times does not always crash at its first few),
  // then each reach is a crash_point fault decision. All three are drawn from the site's
  // own stream ("crash_point/<site>"), so that they stay put when other decisions change.
  struct CrashPointSites final : CrashPoints {
    explicit CrashPointSites(World& w) : world(w) {}
    void reached(NodeId node, std::string_view site) override;
    struct Site {
      Rng* rng = nullptr;  // the site's own stream, "crash_point/<site>"
      bool armed = false;
      std::uint64_t skip = 0;  // reaches left before the site may fire
    };
    World& world;
    std::map<std::string, Site, std::less<>> sites;
  };

  // Declaration order is construction order: each member needs only those above it.
  WorldOptions options_;
  std::unique_ptr<ChoiceTape> own_choices_;  // when the options give none
  ChoiceTape* choices_;
  VirtualTimeSource time_;
  std::string strategy_description_;
  std::unique_ptr<PickStrategy> strategy_;
  std::unique_ptr<Scheduler> sched_;
  SchedulerClock clock_;
  std::unique_ptr<Trace> trace_;
  std::unique_ptr<FaultInjector> faults_;
  std::unique_ptr<SimNetwork> net_;
  std::map<NodeId, Node> nodes_;
  std::function<void(NodeId, std::string_view)> crash_handler_;
  CrashPointSites crash_points_{*this};
  // The node whose crash point fired, until the handler crashes it: that crash is inside
  // the window of the node's newest write (SimFs::crash's `in_window`).
  std::optional<NodeId> crashing_at_point_;
};

}  // namespace aurora::sim
