#include "workloads/examples/example_workload.h"

#include <algorithm>
#include <utility>

#include "engine/runtime/assert.h"
#include "workloads/examples/ack_before_fsync_store.h"
#include "workloads/examples/checksum_end_log.h"

namespace aurora::examples {

namespace {

constexpr std::string_view kAckName = "example/ack-before-fsync";
constexpr std::string_view kChecksumName = "example/checksum-is-end";
constexpr const char* kNodeName = "store";
constexpr const char* kAckStorePath = "kv";

// Bit flips: per crash, per file. A flip in `log` below its durable end is what the bug
// needs (without the bug it is a corruption report); one in `end` is repaired from the
// other copy. Four checked crashes per run put a flip in the log in about half the runs:
// 9 of seeds 1..20 fail with the bug, after 20 to 300 puts.
constexpr double kBitFlipProbability = 0.15;
constexpr double kTornWriteProbability = 0.5;

constexpr Nanos kPollStep = 10 * kMicrosecond;      // the driver's look at the put count
constexpr std::uint64_t kCrashDelayMaxUs = 100;     // after the crash point: below(this) us
constexpr std::uint64_t kRestartDelayMaxUs = 2000;  // down time: below(this) us
constexpr std::uint64_t kPauseMaxUs = 20;           // between puts: below(this) us
constexpr Nanos kOpenBound = kSecond;               // an open (recovery) takes far less
constexpr Nanos kStallBound = 10 * kSecond;         // no put for this long: stuck
constexpr int kOpenAttempts = 8;                    // failed opens in a row before giving up

template <typename Store>
Result<std::unique_ptr<ExampleStore>> as_example(Result<std::unique_ptr<Store>> opened) {
  if (!opened.is_ok()) return opened.status();
  return std::unique_ptr<ExampleStore>(std::move(opened).value());
}

}  // namespace

std::string_view example_name(ExampleKind k) {
  switch (k) {
    case ExampleKind::kAckBeforeFsync:
      return kAckName;
    case ExampleKind::kChecksumIsEnd:
      return kChecksumName;
  }
  AURORA_UNREACHABLE("unknown ExampleKind");
}

std::optional<ExampleKind> parse_example(std::string_view name) {
  if (name == kAckName) return ExampleKind::kAckBeforeFsync;
  if (name == kChecksumName) return ExampleKind::kChecksumIsEnd;
  return std::nullopt;
}

sim::FaultConfig example_faults(ExampleKind k) {
  sim::FaultConfig c = sim::FaultConfig::none();
  if (k == ExampleKind::kChecksumIsEnd) {
    c.rule(sim::FaultKind::kBitFlip) = {.enabled = true, .probability = kBitFlipProbability};
    c.rule(sim::FaultKind::kTornWrite) = {.enabled = true, .probability = kTornWriteProbability};
    // One-byte units: a record cut by a crash is torn inside itself (with 512-byte units a
    // 12-byte record is almost always all there or all gone), so the torn-tail path runs.
    c.atomic_unit = 1;
  }
  return c;
}

ExampleOpener example_opener(ExampleKind k, bool with_bug) {
  switch (k) {
    case ExampleKind::kAckBeforeFsync:
      return [with_bug](Runtime rt) {
        return as_example(AckBeforeFsyncStore::open(
            rt, kAckStorePath,
            AckBeforeFsyncOptions{.ack_before_fsync = with_bug, .sync_every = kExampleSyncEvery}));
      };
    case ExampleKind::kChecksumIsEnd:
      return [with_bug](Runtime rt) {
        return as_example(
            ChecksumEndLog::open(rt, ChecksumEndLogOptions{.checksum_is_end = with_bug}));
      };
  }
  AURORA_UNREACHABLE("unknown ExampleKind");
}

ExampleWorkload::ExampleWorkload(sim::World& world, ExampleOptions options)
    : world_(world), options_(options), opener_(example_opener(options.kind, options.with_bug)) {
  AURORA_ASSERT(options_.keys >= 1, "an example workload needs at least one key");
}

ExampleWorkload::~ExampleWorkload() {
  // The node's fibers reference this workload: they go first (a run cut short by a limit).
  if (node_ != 0 && world_.up(node_)) world_.crash(node_);
}

void ExampleWorkload::install() {
  AURORA_ASSERT(node_ == 0, "install() twice");
  node_ = world_.add_node(kNodeName, [this](Runtime rt) { boot(rt); });
  world_.spawn("driver", [this] { run_driver(); });
}

std::string ExampleWorkload::describe() const {
  return "workload: " + std::string(example_name(options_.kind)) +
         " ops=" + std::to_string(options_.ops) + " crashes=" + std::to_string(options_.crashes) +
         " keys=" + std::to_string(options_.keys) + " bug=" + (options_.with_bug ? "on" : "off") +
         "\n";
}

void ExampleWorkload::violate(std::string invariant, std::string message) {
  world_.trace().emit("check.violation", {{"invariant", std::string_view(invariant)},
                                          {"message", std::string_view(message)}});
  violations_.push_back(workloads::Violation{.invariant = std::move(invariant),
                                             .message = std::move(message),
                                             .at = world_.clock().now(),
                                             .event = world_.trace().events()});
  failed_ = true;
}

// --- the store node ---------------------------------------------------------------------

void ExampleWorkload::boot(Runtime rt) {
  Result<std::unique_ptr<ExampleStore>> opened = opener_(rt);
  if (!opened.is_ok()) {
    open_error_ = opened.status().to_string();
    if (opened.kind() == ErrorKind::kCorruption) {
      ++stats_.corruptions_reported;
      world_.trace().emit("check.corruption_reported", {{"error", std::string_view(open_error_)}});
      state_ = NodeState::kCorrupt;
    } else {
      state_ = NodeState::kOpenFailed;
    }
    return;
  }
  std::unique_ptr<ExampleStore> store = std::move(opened).value();
  check_recovered(*store);
  if (failed_) {
    state_ = NodeState::kDone;
    return;
  }
  state_ = NodeState::kRunning;
  client_loop(rt, *store);
}

// Every key the client may have written, against the model, before any new put.
void ExampleWorkload::check_recovered(const ExampleStore& store) {
  if (stats_.crashes > 0) ++stats_.recoveries_checked;
  for (std::uint32_t key = 0; key < options_.keys; ++key) {
    std::optional<std::string> wrong = model_.check(key, store.get(key));
    if (wrong) {
      violate("durability", *wrong + "; after crash " + std::to_string(stats_.crashes) + ", " +
                                std::to_string(stats_.ops) + " puts issued");
    }
  }
}

void ExampleWorkload::client_loop(Runtime rt, ExampleStore& store) {
  sim::Rng& rng = world_.stream(std::string("node/") + kNodeName);
  while (stats_.ops < options_.ops && !ended()) {
    rng.mark_unit();  // a put: the shrinker deletes whole ones (sim/rng.h)
    const auto key = static_cast<std::uint32_t>(rng.below(options_.keys));
    const auto value = static_cast<std::uint32_t>(1 + rng.below(1000));
    const std::uint64_t op = ++stats_.ops;
    model_.attempted(op, key, value);
    if (!store.put(key, value).is_ok()) {
      // Nothing more from this incarnation; the driver restarts it (recovery decides what
      // of the failed put is durable).
      state_ = NodeState::kStopped;
      return;
    }
    model_.acknowledged(op);
    ++stats_.acknowledged;
    rt.clock.sleep_for(static_cast<Nanos>(rng.below(kPauseMaxUs)) * kMicrosecond);
  }
  state_ = NodeState::kDone;
}

// --- the driver ---------------------------------------------------------------------------

// Waits (polling virtual time, bounded) until `done`; true when done.
bool ExampleWorkload::wait_for(const std::function<bool()>& done, Nanos bound) {
  const Nanos deadline = world_.clock().now() + bound;
  while (!done()) {
    if (world_.clock().now() >= deadline) return done();
    world_.clock().sleep_for(kPollStep);
  }
  return true;
}

void ExampleWorkload::crash_node() {
  world_.crash(node_);
  ++stats_.crashes;
  state_ = NodeState::kDown;
}

// Restarts the crashed node and waits for its boot to open and check the store. Failed
// opens (other than corruption) are retried with backoff. False when the run must end.
bool ExampleWorkload::restart_and_recover(sim::Rng& rng) {
  world_.clock().sleep_for(static_cast<Nanos>(rng.below(kRestartDelayMaxUs)) * kMicrosecond);
  Nanos backoff = kMillisecond;
  for (int attempt = 1;; ++attempt) {
    state_ = NodeState::kOpening;
    world_.restart(node_);
    wait_for([&] { return state_ != NodeState::kOpening; }, kOpenBound);
    switch (state_) {
      case NodeState::kCorrupt:
        volume_lost_ = true;  // a loud, correct report: the run ends here, no violation
        return false;
      case NodeState::kOpening:
        violate("liveness", "the store did not open within " +
                                std::to_string(kOpenBound / kMillisecond) + " ms after crash " +
                                std::to_string(stats_.crashes));
        return false;
      case NodeState::kOpenFailed:
        if (attempt == kOpenAttempts) {
          violate("liveness", "the store failed to open " + std::to_string(kOpenAttempts) +
                                  " times in a row after crash " + std::to_string(stats_.crashes) +
                                  "; last: " + open_error_);
          return false;
        }
        world_.clock().sleep_for(backoff);
        backoff *= 2;
        crash_node();  // the boot fiber has ended; the crash makes the node restartable
        continue;
      default:
        return !ended();
    }
  }
}

// Waits until the client has issued `puts` puts (or all it will), restarting the node
// whenever a put failed. False when the run must end.
bool ExampleWorkload::advance_to(std::uint64_t puts, sim::Rng& rng) {
  Nanos last_progress = world_.clock().now();
  std::uint64_t last_ops = stats_.ops;
  while (!ended()) {
    if (stats_.ops >= puts || state_ == NodeState::kDone) return true;
    if (state_ == NodeState::kStopped) {
      crash_node();
      if (!restart_and_recover(rng)) return false;
      continue;
    }
    if (stats_.ops != last_ops) {
      last_ops = stats_.ops;
      last_progress = world_.clock().now();
    } else if (world_.clock().now() - last_progress > kStallBound) {
      violate("liveness", "no put issued for " + std::to_string(kStallBound / kMillisecond) +
                              " ms of virtual time, at put #" + std::to_string(stats_.ops));
      return false;
    }
    world_.clock().sleep_for(kPollStep);
  }
  return false;
}

void ExampleWorkload::run_driver() {
  sim::Rng& rng = world_.stream("workload");
  std::vector<std::uint64_t> crash_at;
  for (std::uint32_t i = 0; i < options_.crashes; ++i) {
    crash_at.push_back(1 + rng.below(std::max<std::uint64_t>(options_.ops, 1)));
  }
  std::sort(crash_at.begin(), crash_at.end());
  // Boot's first open is checked like every other (nothing was acknowledged yet).
  bool go = wait_for([&] { return state_ != NodeState::kOpening; }, kOpenBound);
  if (!go) violate("liveness", "the store did not open at the start");
  if (go && state_ == NodeState::kCorrupt) {
    volume_lost_ = true;
    go = false;
  }
  if (go && state_ == NodeState::kOpenFailed) {
    crash_node();
    go = restart_and_recover(rng);
  }
  // Safety: crashes at the drawn put counts. The crash lands a drawn while after the
  // count is reached, anywhere in a put (its write, its fsync, or between puts).
  for (std::size_t i = 0; go && i < crash_at.size(); ++i) {
    go = advance_to(crash_at[i], rng);
    if (!go) break;
    world_.clock().sleep_for(static_cast<Nanos>(rng.below(kCrashDelayMaxUs)) * kMicrosecond);
    crash_node();
    go = restart_and_recover(rng);
  }
  // The rest of the puts, then the final crash and check, once every put has returned.
  if (go) go = advance_to(options_.ops, rng);
  if (go) {
    go = wait_for([&] { return state_ != NodeState::kRunning; }, kStallBound);
    if (!go) violate("liveness", "the last put did not return");
  }
  if (go) {
    crash_node();
    go = restart_and_recover(rng);
  }
  // The end: the node crashes once more, so that every fiber of the run ends.
  if (world_.up(node_)) world_.crash(node_);
  state_ = NodeState::kDown;
}

}  // namespace aurora::examples
