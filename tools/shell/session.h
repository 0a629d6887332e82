// Session: the engine as the front ends show it (sim demo, repl, viz-demo, viz-repl,
// scenario): one storage volume and two compute nodes, A and B, on it.
//
// It runs in one of two hosts:
//  - simulation (the default): a seeded World, virtual time, a simulated disk whose faults
//    can be switched on and off; the same seed and the same commands give the same run.
//    The storage, A and B are three nodes of the world (topology.h: zones a, b and c), and
//    A and B reach the storage over the world's network, as any compute node does
//    (engine/compute/remote_storage.h to a storage_server.h): messages take time, and the
//    network can be partitioned and given faults;
//  - real files (`--fs posix --data-dir DIR`): the same fibers on the real clock and
//    POSIX files, where the volume persists between runs. A, B and the storage share one
//    process there and call each other directly: there is no network to cut.
//
// Every operation runs the engine in a fiber (on the node it acts through) and returns once
// it settled. Background workers (bg) are fibers that run an operation every few
// milliseconds of (virtual) time; they run whenever the session's time moves: during every
// operation, and during sleep().
//
// Everything the engine does is an event (engine/runtime/event_sink.h); the session adds
// its own ("shell.*": each operation's start and end, crashes, recoveries, the network's
// nodes and the partitions it was told to make) and hands them all to its listeners: the
// visualizer, the JSON and Perfetto trace writers.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engine/compute/compute_node.h"
#include "engine/runtime/event_sink.h"
#include "engine/runtime/status.h"
#include "engine/storage/storage.h"
#include "engine/util/histogram.h"
#include "tools/shell/metrics.h"

namespace aurora::compute {
class StorageServer;
}

namespace aurora::shell {

class SessionHost;

using storage::Lsn;
using storage::PageId;

enum class FsKind : std::uint8_t { kSim, kPosix };

struct SessionOptions {
  std::uint64_t seed = 1;
  std::string preset = "base";                // storage preset: base or tiered
  std::uint64_t segment_size = 4096;          // bytes of a log segment
  Nanos cold_latency = 50 * kMillisecond;     // extra latency of a cold-tier read
  FsKind fs = FsKind::kSim;
  std::string data_dir;                       // kPosix: where the volume lives
};

// One event as listeners see it. `fields` and the strings live only during the call.
struct Event {
  std::uint64_t seq = 0;      // 1, 2, 3, ... in emission order
  std::string_view kind;      // "wal.append", "page.materialize", "shell.put", ...
  Nanos at = 0;               // the session's time: virtual in simulation
  FiberId fiber = 0;          // the emitting fiber (0: none, the session itself)
  std::string_view fiber_name;
  std::span<const Field> fields;
  // The emitting fiber's node: "storage", "A", "B", or in simulation "world" for the
  // network's own fibers (on real files every fiber is the storage's); empty for fiber 0.
  std::string_view node;
};
using EventListener = std::function<void(const Event&)>;

// Which compute node: 0 is A, 1 is B.
using NodeIndex = int;
inline constexpr int kNodes = 2;
std::string_view node_name(NodeIndex n);
std::optional<NodeIndex> parse_node(std::string_view s);  // "A"/"a" or "B"/"b"

struct SessionState {
  bool up = false;            // the storage is open
  Lsn vcl = 0;
  Lsn vdl = 0;
  Lsn next_lsn = 0;
  std::uint64_t epoch = 0;
  Lsn gc_floor = 0;
  Lsn read_point[kNodes] = {0, 0};
  Nanos now = 0;
};

enum class BgKind : std::uint8_t { kWrite, kRead, kMixed };
std::string_view bg_kind_name(BgKind k);
std::optional<BgKind> parse_bg_kind(std::string_view s);

struct BgWorker {
  NodeIndex node = 0;
  BgKind kind = BgKind::kWrite;
  Nanos every = 0;
  std::uint64_t ops = 0;      // operations done so far
  std::uint64_t errors = 0;   // of which failed
};

class Session {
 public:
  // Creates the host, opens (creating or recovering) the volume and starts A and B.
  // kInvalidArgument for a bad preset or a posix session without a data directory; a
  // volume that does not open is open_failure()'s error (naming the volume).
  // `attach` runs before the volume opens, so that listeners it adds (traces, the
  // visualizer) see the first recovery; an error from it is returned as is.
  static Result<std::unique_ptr<Session>> open(
      SessionOptions options, const std::function<Status(Session&)>& attach = {});
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  const SessionOptions& options() const { return options_; }
  void add_listener(EventListener l) { listeners_.push_back(std::move(l)); }

  // --- operations ------------------------------------------------------------------------
  // Writes `bytes` at `offset` of `page` through node `n` (one MTR); returns its CPL once
  // acknowledged. In simulation a put whose answer never comes (a partition, lost
  // messages) is kTimeout, saying that its outcome is unknown: the MTR may have been
  // appended with only the answer lost, or not.
  Result<Lsn> put(NodeIndex n, PageId page, std::uint32_t offset, std::span<const std::byte> bytes);
  // The page at node `n`'s read point, or at `at` (a past read point) when given.
  Result<std::vector<std::byte>> get(NodeIndex n, PageId page, std::optional<Lsn> at = {});
  // Moves node `n`'s read point to VDL; returns it.
  Result<Lsn> refresh(NodeIndex n);
  Status sync();
  // Crashes the storage, and A and B with it (a crash in the shell is the whole
  // database's, as it always was): unsynced writes are lost, in simulation as the disk's
  // crash model says, on real files as a killed process loses its memory; in simulation
  // what the nodes had in flight on the network is lost too. kInvalidArgument when the
  // storage is already down.
  Status crash();
  // Reopens the volume (recovery) and restarts A and B; kInvalidArgument when it is up.
  // When recovery refuses the volume the error names it (open_failure()).
  Status recover();
  // Lets `d` of time pass: background workers run. In simulation virtual time jumps.
  void sleep(Nanos d);
  // Switches fault kind `name` (sim/fault_injector.h names, e.g. "torn_write",
  // "fsync_eio") on with `probability`, or off. Simulation only.
  Status set_fault(std::string_view name, bool on, double probability = 0.05);

  // --- the network (simulation only: on real files each is kInvalidArgument) -------------
  // Cuts every link from a node of `side_a` to a node of `side_b`, and back when
  // `both_ways`, until heal(). Each name is a node (storage, A, B) or a zone (a, b, c: the
  // storage's, A's, B's), exactly (topology.h). A partition replaces the one in force.
  // kInvalidArgument naming a name that is neither, an empty side, or a node on both sides.
  Status partition(const std::vector<std::string>& side_a, const std::vector<std::string>& side_b,
                   bool both_ways);
  // Ends the partition in force, if any (clogs end by themselves).
  Status heal();
  // Switches a fault kind of the network (sim/net_config.h names: loss, duplicate, corrupt,
  // spike, partition_node, partition_halves, partition_zone, partition_oneway, clog_link,
  // clog_node) on with `probability` (per message, or per chance of the network's chaos
  // for partitions and clogs), or off.
  Status set_net_fault(std::string_view kind, bool on, double probability = 0.05);
  // Several lines: the nodes and their zones, messages in flight per link, the partition
  // and clogs in force (SimNetwork::describe_state, by node number), the faults switched
  // on, and the network's figures (SimNetwork::summary).
  Result<std::string> net_state() const;
  // Whether A and B reach the storage over a network (simulation) or directly (real files).
  bool networked() const;

  // --- background workers ----------------------------------------------------------------
  Status start_bg(NodeIndex n, BgKind kind, Nanos every);
  void stop_bg(NodeIndex n);  // stops every worker of node n
  std::vector<BgWorker> bg_workers() const;

  // --- what it shows ---------------------------------------------------------------------
  SessionState state() const;
  const Metrics& metrics() const { return metrics_; }
  // Why the last attempt to open the volume failed (at a recover: Session::open returns its
  // own), or ok when it opened. "Corruption: the volume in DIR cannot be opened: ...": the
  // message names the volume (--data-dir, or the simulated one) and the engine's reason.
  // Front ends exit 2 when a session ends with one (frontend_exit.h).
  const Status& open_failure() const { return open_failure_; }
  // The storage, when up (for the visualizer's and the tests' closer looks).
  storage::Storage* storage() { return storage_.get(); }
  Nanos now() const;

 private:
  struct Bg;
  explicit Session(SessionOptions options);
  // Runs `body` in a fiber on node `where` until the host settles (background workers run
  // too). False when the host deadlocked (an engine bug: reported).
  bool run(NodeId where, std::function<void()> body);
  Status open_storage();
  // Starts A and B on the open storage: over the network in simulation, directly on it on
  // real files. False when the host did not settle (an engine bug).
  bool start_compute_nodes();
  // In simulation, one shell.net_node event per node (its name, number and zone): what the
  // network's own events (net.*, by node number) are about.
  void announce_network();
  // Kills every fiber of the nodes, then destroys the compute nodes, their links, the
  // server and the storage, in that order (each refers to the next).
  void tear_down();
  Status need_network(std::string_view what) const;
  void emit(std::string_view kind, std::initializer_list<Field> fields);
  void deliver(std::string_view kind, std::span<const Field> fields);
  void start_bg_fiber(Bg& bg);

  SessionOptions options_;
  storage::StorageOptions storage_options_;
  std::unique_ptr<SessionHost> host_;
  std::unique_ptr<storage::Storage> storage_;
  std::unique_ptr<compute::StorageServer> server_;  // simulation: the storage's side of the link
  // Each compute node's way to the storage (a RemoteStorage, or on real files a
  // LocalStorage), and the node on it; both empty while the storage is down.
  std::vector<std::unique_ptr<compute::StorageService>> links_;
  std::vector<std::unique_ptr<compute::ComputeNode>> nodes_;
  std::vector<std::unique_ptr<Bg>> bg_;
  std::vector<EventListener> listeners_;
  Metrics metrics_;
  std::uint64_t events_ = 0;
  Status open_failure_;
};

}  // namespace aurora::shell
