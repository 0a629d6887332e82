// The example systems' workload: one node "store" whose boot opens an example store
// (ack_before_fsync_store.h, checksum_end_log.h) on its own simulated disk, checks what
// it recovered against the model (durability_model.h), and then runs the client loop of
// puts; and a driver on the world's node that crashes and restarts it. Not the engine's
// workload (workloads/mtr/): these systems have known bugs, so that a sweep finds them and
// a shrinker can minimize the failure (README.md here).
//
// Every decision is a draw from the seed: the driver's (crash points, the pause before
// each crash and before each restart) from the "workload" stream, the client's (keys,
// values, pauses between puts) from "node/store".
//
// The run: `crashes` crash points, at put counts 1 + below(ops) sorted; at each, the node
// crashes (a put may be cut mid-write), restarts, and its boot checks every key before
// the client goes on. After all `ops` puts, one more crash, restart and check; then the
// node crashes once more so that every fiber ends. A violation stops the run at once. An
// open that fails with kCorruption is a loud, correct report: counted, and the run ends
// without a violation. Other failed opens are retried with backoff, a bounded number of
// times.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/world.h"
#include "workloads/examples/durability_model.h"
#include "workloads/examples/example_store.h"
#include "workloads/violation.h"

namespace aurora::examples {

enum class ExampleKind : std::uint8_t { kAckBeforeFsync, kChecksumIsEnd };

// "example/ack-before-fsync", "example/checksum-is-end".
std::string_view example_name(ExampleKind k);
std::optional<ExampleKind> parse_example(std::string_view name);
// The faults the example runs with by default: none for ack-before-fsync (crashes alone
// lose its unsynced writes); bit flips and torn writes for checksum-is-end.
sim::FaultConfig example_faults(ExampleKind k);
// The opener of the example's store, with or without its bug.
ExampleOpener example_opener(ExampleKind k, bool with_bug);

// The ack-before-fsync store fsyncs every this many puts when it runs with its bug.
inline constexpr std::uint32_t kExampleSyncEvery = 6;

struct ExampleOptions {
  ExampleKind kind = ExampleKind::kAckBeforeFsync;
  bool with_bug = true;
  std::uint64_t ops = 300;    // puts issued in all
  std::uint32_t crashes = 3;  // crash points, before the final crash
  std::uint32_t keys = 8;     // keys drawn in [0, keys)
};

struct ExampleStats {
  std::uint64_t ops = 0;           // puts issued
  std::uint64_t acknowledged = 0;  // puts that returned OK
  std::uint64_t crashes = 0;       // crashes followed by a restart
  std::uint64_t recoveries_checked = 0;
  std::uint64_t corruptions_reported = 0;  // opens that failed with kCorruption
};

class ExampleWorkload {
 public:
  ExampleWorkload(sim::World& world, ExampleOptions options);
  ~ExampleWorkload();
  ExampleWorkload(const ExampleWorkload&) = delete;
  ExampleWorkload& operator=(const ExampleWorkload&) = delete;

  // Adds the node and the driver; world.run() then runs it all. Call once.
  void install();

  const std::vector<workloads::Violation>& violations() const { return violations_; }
  const ExampleStats& stats() const { return stats_; }
  // One line: "workload: example/ack-before-fsync ops=300 crashes=3 keys=8 bug=on\n".
  std::string describe() const;

 private:
  // Where the store node is, as the driver sees it.
  enum class NodeState : std::uint8_t {
    kDown,        // crashed, not restarted yet
    kOpening,     // restarted: the boot opens and checks the store
    kRunning,     // the client loop issues puts
    kStopped,     // a put failed: this incarnation acknowledges nothing more
    kDone,        // every put has been issued (or the check failed)
    kOpenFailed,  // the open failed with an error other than corruption
    kCorrupt,     // the open reported corruption
  };

  void boot(Runtime rt);
  void check_recovered(const ExampleStore& store);
  void client_loop(Runtime rt, ExampleStore& store);
  void run_driver();
  bool advance_to(std::uint64_t puts, sim::Rng& rng);
  void crash_node();
  bool restart_and_recover(sim::Rng& rng);
  bool wait_for(const std::function<bool()>& done, Nanos bound);
  bool ended() const { return failed_ || volume_lost_; }
  void violate(std::string invariant, std::string message);

  sim::World& world_;
  ExampleOptions options_;
  ExampleOpener opener_;
  DurabilityModel model_;
  std::vector<workloads::Violation> violations_;
  ExampleStats stats_;
  NodeId node_ = 0;
  NodeState state_ = NodeState::kOpening;
  std::string open_error_;    // the last failed open's status
  bool failed_ = false;       // a violation was found: the run winds down
  bool volume_lost_ = false;  // the store reported corruption: it will not open again
};

}  // namespace aurora::examples
