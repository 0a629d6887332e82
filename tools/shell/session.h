// Session: the engine as the front ends show it (sim demo, repl, viz-demo, viz-repl,
// scenario): one storage volume and two compute nodes, A and B, on it.
//
// It runs in one of two hosts:
//  - simulation (the default): a seeded World, virtual time, a simulated disk whose faults
//    can be switched on and off; the same seed and the same commands give the same run;
//  - real files (`--fs posix --data-dir DIR`): the same fibers on the real clock and
//    POSIX files, where the volume persists between runs.
//
// Every operation runs the engine in a fiber and returns once it settled. Background
// workers (bg) are fibers that run an operation every few milliseconds of (virtual) time;
// they run whenever the session's time moves: during every operation, and during sleep().
//
// Everything the engine does is an event (engine/runtime/event_sink.h); the session adds
// its own ("shell.*": each operation's start and end, crashes, recoveries) and hands them
// all to its listeners: the visualizer, the JSON and Perfetto trace writers.
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
#include "engine/storage/storage.h"
#include "engine/util/histogram.h"
#include "tools/shell/metrics.h"

namespace aurora::shell {

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
  // acknowledged.
  Result<Lsn> put(NodeIndex n, PageId page, std::uint32_t offset, std::span<const std::byte> bytes);
  // The page at node `n`'s read point, or at `at` (a past read point) when given.
  Result<std::vector<std::byte>> get(NodeIndex n, PageId page, std::optional<Lsn> at = {});
  // Moves node `n`'s read point to VDL; returns it.
  Result<Lsn> refresh(NodeIndex n);
  Status sync();
  // Crashes the storage (the compute nodes on it go down too): unsynced writes are lost,
  // in simulation as the disk's crash model says, on real files as a killed process
  // loses its memory. kInvalidArgument when it is already down.
  Status crash();
  // Reopens the volume (recovery) and restarts A and B; kInvalidArgument when it is up.
  // When recovery refuses the volume the error names it (open_failure()).
  Status recover();
  // Lets `d` of time pass: background workers run. In simulation virtual time jumps.
  void sleep(Nanos d);
  // Switches fault kind `name` (sim/fault_injector.h names, e.g. "torn_write",
  // "fsync_eio") on with `probability`, or off. Simulation only.
  Status set_fault(std::string_view name, bool on, double probability = 0.05);

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
  class Host;
  class SimHost;
  class PosixHost;
  struct Bg;
  explicit Session(SessionOptions options);
  // Runs `body` in a fiber on the storage's node until the host settles (background
  // workers run too). False when the host deadlocked (an engine bug: reported).
  bool run(std::function<void()> body);
  Status open_storage();
  void emit(std::string_view kind, std::initializer_list<Field> fields);
  void deliver(std::string_view kind, std::span<const Field> fields);
  void start_bg_fiber(Bg& bg);

  SessionOptions options_;
  storage::StorageOptions storage_options_;
  std::unique_ptr<Host> host_;
  std::unique_ptr<storage::Storage> storage_;
  std::vector<std::unique_ptr<compute::ComputeNode>> nodes_;
  std::vector<std::unique_ptr<Bg>> bg_;
  std::vector<EventListener> listeners_;
  Metrics metrics_;
  std::uint64_t events_ = 0;
  Status open_failure_;
};

}  // namespace aurora::shell
