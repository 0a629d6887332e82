// The system under test of the engine's properties: one simulated world whose storage node
// holds a Storage, two compute nodes A and B on it, and the harness's reference model
// (check::Suite) fed every observation the way the MTR workload feeds it.
//
// Each operation runs the engine in a fiber and returns once the world has settled, so a
// property drives the engine one command at a time from the test thread. Nothing here
// asserts: operations report what the engine answered, the Suite reports violations, and
// the property decides (rapidcheck's assertions throw, which must never cross a fiber).
//
// Background work is off (the maintenance interval is an hour of virtual time): images,
// GC and tiering happen only when a command asks, so a shrunk command list replays the
// same way.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/compute/compute_node.h"
#include "engine/storage/storage.h"
#include "sim/world.h"
#include "workloads/check/suite.h"
#include "workloads/mtr/mtr_parts.h"

namespace aurora::properties {

using check_write = workloads::check::Write;
using storage::Lsn;
using storage::PageId;

struct SystemConfig {
  std::uint32_t page_size = 128;
  std::uint64_t pages = 6;              // page ids are below this
  std::uint64_t segment_bytes = 1024;   // a handful of records per segment: rotations
  std::uint32_t image_after = 2;        // images after two versions
  wal::Durability durability = wal::Durability::kGroup;
};

// How a crash strikes: what survives of unsynced writes, whether surviving writes may
// tear, which MTRs are still in flight, and how many scheduler steps they get first, or
// whether it instead waits for a log write that is not yet fsynced (the moment a torn tail
// or an MTR durable only in part can come from; a few steps apart, so rarely hit by
// chance).
struct CrashPlan {
  sim::CrashMode mode = sim::CrashMode::kDropAll;
  bool tear = false;
  std::vector<std::vector<check_write>> in_flight;
  std::uint64_t steps = 0;
  bool at_unsynced_write = false;
};

class EngineSystem {
 public:
  static constexpr int kComputeNodes = 2;  // "A" and "B"

  explicit EngineSystem(std::uint64_t seed, SystemConfig config = {});
  ~EngineSystem();
  EngineSystem(const EngineSystem&) = delete;
  EngineSystem& operator=(const EngineSystem&) = delete;

  const SystemConfig& config() const { return config_; }
  static std::string node_name(int node);

  // --- commands (every one needs the storage up but recover()) -----------------------------
  // Commits one MTR through compute node `node` and waits for its acknowledgement.
  Result<Lsn> put(int node, const std::vector<check_write>& writes);
  // Reads `page` at `node`'s read point; with `cold`, reads it again straight from the
  // storage with its cache dropped (a ColdWarm observation).
  struct NodeRead {
    Lsn at = 0;
    Result<std::vector<std::byte>> warm = Status::stopped("not read yet");
    std::optional<Result<std::vector<std::byte>>> cold;
  };
  NodeRead read(int node, PageId page, bool cold);
  // Reads `page` straight from the storage at read point `at`.
  Result<std::vector<std::byte>> read_at(PageId page, Lsn at);
  Result<Lsn> refresh(int node);
  Status sync();
  Result<std::size_t> write_images();
  // GC below the lowest read point in use.
  Result<std::size_t> collect();
  // Moves every sealed segment below VDL to the cold tier.
  Result<std::size_t> tier();
  // Commits MTRs through node A until the log starts a new segment (at most `max_mtrs`).
  // Returns how many rotations happened.
  Result<std::uint64_t> rotate(std::size_t max_mtrs = 64);
  // Crashes the storage node as `plan` says. The compute nodes, built on the storage
  // itself, go down with it.
  void crash(const CrashPlan& plan);
  // Restarts the storage node and opens the volume; the compute nodes come back without
  // a read point. kCorruption and friends are what Storage::open answered.
  Status recover();

  // --- what the property looks at --------------------------------------------------------
  bool up() const { return storage_ != nullptr; }
  storage::Storage& storage() { return *storage_; }
  compute::ComputeNode& node(int i) { return *nodes_[static_cast<std::size_t>(i)]; }
  const workloads::check::Model& model() const { return suite_.model(); }
  // The model's page as the engine's bytes type.
  std::vector<std::byte> model_page(PageId page, Lsn at) const;
  // Every violation the Suite found so far, one per line ("" when none).
  std::string violations() const;
  // Runs the Suite's end-of-history checks (once, after the last command).
  std::string finish();
  // What the last recovery found (valid after a successful recover()).
  const wal::RecoveryReport& last_recovery() const { return last_recovery_; }
  // Every acknowledged CPL so far (across crashes), ascending.
  const std::vector<Lsn>& acked() const { return acked_; }
  sim::World& world() { return world_; }
  std::uint64_t crashes() const { return crashes_; }
  // Recoveries that cut off a torn tail.
  std::uint64_t torn_tails() const { return torn_tails_; }
  // Recoveries that annulled records found beyond the consistent end (in-flight MTRs).
  std::uint64_t annulments() const { return annulments_; }
  // Why the last operation did not complete ("" when it did): the world deadlocked.
  const std::string& stuck() const { return stuck_; }

 private:
  // Runs `body` as a fiber on the storage node until the world settles. False (with the
  // reason in `stuck_`) when it did not complete: a deadlock is a property failure.
  bool run(std::function<void()> body);
  void observe(workloads::check::Observation o);
  void observe_state();
  void start_nodes();
  storage::CommitHooks hooks(std::string node, const compute::MtrId& id,
                             const std::vector<check_write>& writes);

  SystemConfig config_;
  storage::StorageOptions options_;
  sim::World world_;
  NodeId storage_node_ = 0;
  workloads::check::Suite suite_;
  std::unique_ptr<storage::Storage> storage_;
  workloads::CommitHookBook book_;    // the hooks of the MTRs the nodes commit, by id
  std::uint64_t in_flight_mtrs_ = 0;  // MTRs committed straight on the storage by crash()
  std::uint64_t generation_ = 0;      // of the compute nodes, one per start_nodes()
  std::vector<std::unique_ptr<compute::ComputeNode>> nodes_;
  wal::RecoveryReport last_recovery_;
  std::vector<Lsn> acked_;
  std::string stuck_;
  std::uint64_t crashes_ = 0;
  std::uint64_t torn_tails_ = 0;
  std::uint64_t annulments_ = 0;
  bool log_write_unsynced_ = false;  // a segment write happened since the last fsync
};

}  // namespace aurora::properties
