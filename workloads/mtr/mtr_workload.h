// The default workload (`sim --seed N`): compute nodes issuing MTRs and reads against one
// storage node, while the driver crashes the storage, a compute node, or everything, under
// the run's faults. A safety phase (faults on) is followed by a liveness phase (faults off)
// in which the system must recover and make progress within a bound, then a final crash
// and recovery. Everything the nodes observe goes to the checkers (workloads/check/),
// which compare it with the reference model; nothing here decides what is correct.
//
// Nodes: "storage" holds the volume and serves it (compute::StorageServer); "c0".."c<n-1>"
// are compute nodes. Under the quorum preset "storage" is the quorum tier's writer, and
// "s0".."s5" (zones a, a, b, b, c, c) hold the segment replicas of every PG, which the
// driver crashes too. Each compute node reaches the storage over the world's network
// through a RemoteStorage link, so that a compute node outlives a storage crash, and a
// commit may end without knowing its outcome (lost answers, partitions).
//
// Operations of a compute node, picked by the spec's weights: commit an MTR of
// 1..mtr_records_max records over 1..mtr_pages_max pages; read a page at the node's read
// point (sometimes again with every cache cold); read at a random past read point the
// storage may accept; refresh; sync.
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "engine/compute/compute_node.h"
#include "engine/compute/remote_storage.h"
#include "engine/compute/storage_server.h"
#include "engine/quorum/read_replica.h"
#include "engine/quorum/segment_server.h"
#include "engine/quorum/writer.h"
#include "engine/runtime/sync.h"
#include "sim/world.h"
#include "workloads/check/suite.h"
#include "workloads/coverage.h"
#include "workloads/mtr/mtr_parts.h"
#include "workloads/mtr/quorum_observations.h"
#include "workloads/spec/spec.h"
#include "workloads/violation.h"

namespace aurora::workloads {

struct MtrWorkloadStats {
  std::uint64_t ops = 0;
  std::uint64_t commits_acked = 0;
  std::uint64_t commits_failed = 0;
  std::uint64_t commits_unknown = 0;  // ended without knowing whether they happened
  std::uint64_t reads_checked = 0;
  std::uint64_t replica_reads_checked = 0;
  std::uint64_t storage_crashes = 0;
  std::uint64_t compute_crashes = 0;
  std::uint64_t full_crashes = 0;
  std::uint64_t segment_crashes = 0;  // storage nodes of the quorum tier
  std::uint64_t failovers = 0;        // a writer on the standby node took the volume over
  std::uint64_t recoveries = 0;
  std::uint64_t failed_opens = 0;
  std::uint64_t corruptions_reported = 0;
  std::uint64_t faults_fired = 0;
};

class MtrWorkload {
 public:
  MtrWorkload(sim::World& world, const Spec& spec);
  ~MtrWorkload();
  MtrWorkload(const MtrWorkload&) = delete;
  MtrWorkload& operator=(const MtrWorkload&) = delete;

  // Adds the nodes and the driver fiber; world.run() then runs the whole workload.
  void install();

  // What the checkers found, stamped with the virtual time and trace position.
  const std::vector<Violation>& violations() const { return violations_; }
  const Coverage& coverage() const { return coverage_; }
  const MtrWorkloadStats& stats() const { return stats_; }

 private:
  struct ComputeSlot;
  // A read replica's node (mtr_replicas.cc): its link to the writer, for misses, and the
  // replica; both replaced at each boot.
  struct ReplicaSlot {
    std::string name;
    NodeId node = 0;
    std::unique_ptr<compute::RemoteStorage> link;
    std::unique_ptr<quorum::ReadReplica> replica;
  };
  void boot_replica(std::size_t index, Runtime rt);
  void crash_replica(std::size_t index);
  std::vector<Address> replica_addresses() const;
  // The highest VDL any writer has reached (kept across their crashes).
  storage::Lsn highest_vdl();
  void boot_storage(Runtime rt);
  void boot_writer(Runtime rt);
  // Serves volume_, just opened, to the compute nodes, and tells everyone waiting.
  void serve_volume(Runtime rt);
  void boot_segments(Runtime rt);
  void crash_segment_node(std::size_t index);
  bool crash_quorum_storage(sim::Rng& rng);
  // A failover (WorkloadSpec::crash_failover_weight); false when none can start now.
  bool fail_over(sim::Rng& rng);
  // Crashes the node of the writer a failover left behind, once it stopped (or `now`).
  void retire_stale_writer(bool now);
  // The writer (or storage) on the node of the fiber running: the active one, or the stale
  // writer a failover left behind; null on any other node.
  quorum::QuorumWriter* writer_here() const;
  storage::Volume* volume_here() const;
  // The hooks of a commit that reached the stale writer after the new one opened: no
  // observation of its allocation (it can only be annulled), but an acknowledgement is.
  storage::CommitHooks stale_hooks(std::span<const wal::Redo> mtr);
  bool segments_need_restart() const;
  void check_gossip_converges(Nanos bound);
  // Whether segment `s` holds `lsn` on its disk (as its node last saw it, when down).
  bool segment_holds(quorum::SegmentId s, storage::Lsn lsn) const;
  check::obs::QuorumAcked quorum_acked(storage::Lsn cpl, const std::vector<storage::PageId>& pages,
                                       std::uint64_t writer_epoch) const;
  // The segments' disks as the world sees them (quorum_observations.h).
  SegmentStates segment_states() const;
  // Invariant 15 once settled: with no commit under way and every node up, waits (up to
  // `bound`) for the writer's SCLs to catch up with the disks, then observes its watermarks.
  void observe_settled_watermarks(Nanos bound);
  void restart_failed_segments();
  // The volume stopped itself (a failed fsync; a fenced writer) and waits for a restart.
  bool volume_stopped() const;
  void boot_compute(std::size_t index, Runtime rt);
  void run_driver();
  void crash_storage();
  void crash_compute(std::size_t index);
  void crash_at_point(NodeId node);
  void restart_down_nodes();
  bool wait_for(const std::function<bool()>& done, Nanos bound);
  void wake_all();
  void aim_at_write_window();
  void op(ComputeSlot& slot, compute::ComputeNode& node, sim::Rng& rng);
  void commit(ComputeSlot& slot, compute::ComputeNode& node, sim::Rng& rng);
  void read(ComputeSlot& slot, compute::ComputeNode& node, sim::Rng& rng);
  void read_past(ComputeSlot& slot, sim::Rng& rng);
  void observe(check::Observation o);
  void record(std::vector<Violation> found);
  void observe_state();
  // Tells the model the horizon below which no read asks any more (history.h GcHorizon),
  // when it moved up.
  void observe_horizon();
  // A read at `at` under way: holds the horizon at or below `at` while it lasts.
  struct ReadInFlight;
  void on_event(std::string_view kind, std::span<const Field> fields);

  sim::World& world_;
  Spec spec_;
  storage::StorageOptions storage_options_;  // from the spec, for every boot of the storage
  std::string segment_dir_;                  // where the log's segments live: "<dir>/wal/"
  check::Suite suite_;
  std::vector<Violation> violations_;
  Coverage coverage_;
  MtrWorkloadStats stats_;
  NodeId storage_node_ = 0;
  std::unique_ptr<storage::Storage> storage_;  // null while down or recovering
  // The quorum tier (the quorum preset): its layout, its writer (on storage_node_, in place
  // of storage_), and the storage nodes hosting the segments.
  bool quorum_ = false;
  quorum::VolumeLayout layout_;
  std::unique_ptr<quorum::QuorumWriter> writer_;
  std::vector<NodeId> segment_nodes_;
  std::map<NodeId, std::unique_ptr<quorum::SegmentServer>> segment_servers_;
  storage::Volume* volume_ = nullptr;  // storage_ or writer_, whichever is open
  // What each down segment's disk held when its node went down: its LSNs, ascending.
  std::map<quorum::SegmentId, std::vector<storage::Lsn>> down_holdings_;
  std::map<quorum::SegmentId, storage::Lsn> down_scl_;  // the SCL of down_holdings_
  // Failovers: the node a writer takes over on (down or idle until then), and the writer a
  // failover left behind, alive and cut off, with its node and its server.
  NodeId standby_node_ = 0;
  NodeId stale_node_ = 0;
  std::unique_ptr<quorum::QuorumWriter> stale_writer_;
  std::unique_ptr<compute::StorageServer> stale_server_;
  std::uint64_t annulling_epoch_ = 0;  // the newest epoch a recovery annulled under
  Nanos segment_restart_at_ = 0;          // failed segments' nodes restart from then on
  Nanos segment_backoff_ = kMillisecond;  // the wait after that
  std::unique_ptr<compute::StorageServer> server_;  // serves storage_ on the network
  CommitHookBook hooks_;  // of the MTRs whose commits may still reach the storage
  bool storage_failed_ = false;   // the last open failed (corruption, or a fault)
  Nanos open_backoff_ = kMillisecond;  // the wait before the next restart after a failed open
  Nanos next_open_at_ = 0;
  bool volume_lost_ = false;  // an open reported corruption: the volume will not open again
  bool fsync_failed_since_open_ = false;  // an fsync of the storage failed since it opened
  bool log_write_unsynced_ = false;  // a log segment write not yet followed by its fsync
  // The GC floor the storage made durable (recovered, or reported by wal.collected once its
  // control file was durable): no read below it is ever answered again.
  storage::Lsn durable_gc_floor_ = 0;
  std::multiset<storage::Lsn> reads_in_flight_;  // the LSNs of the reads under way
  storage::Lsn horizon_told_ = 0;              // the last GcHorizon observed
  std::vector<std::unique_ptr<ComputeSlot>> computes_;
  std::vector<std::unique_ptr<ReplicaSlot>> replicas_;
  storage::Lsn highest_vdl_ = 0;  // see highest_vdl()
  bool stopping_ = false;         // compute loops finish their operation and end
  bool failed_ = false;           // a checker fired: the run winds down
  bool in_liveness_ = false;
  // The driver waits here for something to do (an operation done, a log write, a stopped
  // log, a failed open, a compute node ending) instead of polling; compute nodes whose
  // storage is down wait on storage_up_ until it recovers, or the run winds down.
  WaitQueue driver_wakeup_;
  WaitQueue storage_up_;
};

struct MtrWorkload::ReadInFlight {
  ReadInFlight(MtrWorkload& w, storage::Lsn at) : reads(w.reads_in_flight_), it(reads.insert(at)) {}
  ~ReadInFlight() { reads.erase(it); }
  ReadInFlight(const ReadInFlight&) = delete;
  ReadInFlight& operator=(const ReadInFlight&) = delete;
  std::multiset<storage::Lsn>& reads;
  std::multiset<storage::Lsn>::iterator it;
};

}  // namespace aurora::workloads
