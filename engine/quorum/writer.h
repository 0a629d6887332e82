// QuorumWriter: the writer of a quorum volume (DESIGN.md section 3). It allocates LSNs,
// sends each record to the 6 segments of its page's PG, learns each segment's SCL from its
// acknowledgements, and from those computes every PGCL, then VCL and VDL. A commit is
// acknowledged when VDL reaches its CPL: its records are then on a write quorum of every
// PG they touch. Reads go to one segment whose SCL covers the read point.
//
// Opening the writer recovers the volume, under a new volume epoch:
//   1. ask the segments their epochs, until a read quorum of every PG answered;
//   2. fence every segment at the highest epoch seen + 1 and collect their reports, until a
//      read quorum of every PG (not counting suspect segments) is fenced, without waiting
//      for the slower ones (the plan is made from those reports): from then on the
//      writer before this one cannot get a write quorum anywhere, and anything it ever had
//      acknowledged is in the reports (every write quorum meets every read quorum);
//   3. plan (watermarks.h: plan_recovery), and install the annulment on a write quorum of
//      every PG;
//   4. wait until every PG's records up to the recovered VDL are on a write quorum (gossip
//      fills the segments that miss some), then open with VCL = VDL = the annulment's end.
// Segments that missed steps 2 and 3 are sent the annulment when they next answer kBusy.
//
// A writer that a segment refuses with kFenced is stale: it stops, and acknowledges nothing
// more (invariant 14).
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <set>
#include <vector>

#include "engine/quorum/layout.h"
#include "engine/quorum/replica_feed.h"
#include "engine/quorum/segment_wire.h"
#include "engine/runtime/rpc.h"
#include "engine/runtime/sync.h"
#include "engine/storage/volume.h"
#include "engine/util/histogram.h"
#include "engine/wal/log.h"

namespace aurora::quorum {

struct WriterOptions {
  VolumeLayout layout;
  Lsn lal = 10'000'000;  // LSN allocation limit, 1..wal::kMaxLal
  std::uint32_t page_size = 4096;
  std::size_t batch_records = 64;  // the most records one append to a segment carries
  // The most records queued for one segment: beyond it the oldest are left to gossip (a
  // segment that is down must not make the writer hold the whole log for it).
  std::size_t max_queue = 4096;
  Nanos attempt_timeout = 20 * kMillisecond;  // one call to one segment
  Nanos retry_delay = 2 * kMillisecond;       // after a failed call, before the next
  Nanos status_interval = 10 * kMillisecond;  // an idle segment's SCL is asked this often
};

struct WriterStats {
  std::uint64_t records_sent = 0;  // record copies acknowledged by a segment
  std::uint64_t appends = 0;
  std::uint64_t append_failures = 0;  // timeouts and refusals
  std::uint64_t annulments_sent = 0;
  std::uint64_t records_left_to_gossip = 0;  // dropped from a full queue
  std::uint64_t read_fallbacks = 0;          // a read retried on another segment
  std::uint64_t lal_waits = 0;
  Histogram commit_ns;
};

class QuorumWriter final : public storage::Volume {
 public:
  // Recovers the volume and opens it (see above). Waits for as long as it takes: a volume
  // with a PG short of a read quorum cannot be recovered, and one short of a write quorum
  // cannot be written.
  static Result<std::unique_ptr<QuorumWriter>> open(Runtime rt, WriterOptions options);
  ~QuorumWriter() override;
  QuorumWriter(const QuorumWriter&) = delete;
  QuorumWriter& operator=(const QuorumWriter&) = delete;

  // Appends one MTR and waits until it is acknowledged (VDL >= its CPL); returns the CPL.
  // kStopped once the writer stopped (fenced, or closed); kInvalidArgument when a redo does
  // not fit its page.
  Result<Lsn> commit(std::span<const wal::Redo> mtr, const storage::CommitHooks& hooks) override;
  // The page as of read point `at` (<= VDL), from one segment whose SCL covers it; another
  // segment on a timeout or an error. kTimeout when none answered within a round of all.
  Result<std::vector<std::byte>> read(PageId page, Lsn at) override;
  // The newest version of `page` at or below `at` (0 when none).
  Lsn version_at(PageId page, Lsn at) const override;
  // Waits until everything appended is acknowledged (kStopped if the writer stops first).
  Status sync() override;
  // Segments keep every version for now: no read is refused as too old.
  Lsn read_floor() const override { return 0; }

  Lsn vdl() const override { return vdl_; }
  Lsn vcl() const { return vcl_; }
  Epoch epoch() const { return epoch_; }
  Lsn highest_allocated() const { return highest_allocated_; }
  // What the writer believes (from acknowledgements, which lag the segments).
  const std::map<SegmentId, Lsn>& scls() const { return scl_; }
  Lsn pgcl(PgId pg) const { return pgcl_.at(pg); }
  const RecoveryPlan& recovery() const { return plan_; }
  const WriterStats& stats() const { return stats_; }
  const WriterOptions& options() const { return options_; }

  // Read points in use (bookkeeping: segments keep every version for now).
  storage::ReadPointId pin(Lsn at) override;
  void move(storage::ReadPointId id, Lsn at) override;
  void unpin(storage::ReadPointId id) override;
  Lsn min_read_point() const;

  // Read replicas hear each MTR as it is allocated and VDL as it advances, from now on.
  void attach_feed(std::unique_ptr<ReplicaFeed> feed);

  // Stops: nothing more is acknowledged. Idempotent.
  void stop(Status why);
  bool stopped() const { return !stop_reason_.is_ok(); }
  const Status& stop_reason() const { return stop_reason_; }
  // Stopped because a segment had seen a newer epoch: another writer took the volume over.
  bool fenced() const { return fenced_; }

 private:
  struct Sender {  // one segment's queue and the fiber that drains it
    SegmentId segment = 0;
    PgId pg = 0;
    std::deque<SegmentRecord> queue;
    std::unique_ptr<rpc::RpcClient> client;
    std::unique_ptr<Event> work;
    FiberId fiber = 0;
  };
  QuorumWriter(Runtime rt, WriterOptions options);
  Status recover();
  Status start_senders();
  void send_loop(Sender& s);
  Epochs epochs_for(PgId pg) const;
  Status install_annulment(Sender& s);
  // A segment's SCL changed: recompute its PG's PGCL, then VCL and VDL.
  void on_scl(SegmentId s, Lsn scl);
  Lsn in_this_log(SegmentId s, Lsn scl) const;
  void advance();
  Result<wire::Bytes> call(rpc::RpcClient& c, SegmentId s, rpc::Method m, const wire::Bytes& body);

  Runtime rt_;
  WriterOptions options_;
  Epoch epoch_ = 0;
  RecoveryPlan plan_;
  Lsn next_lsn_ = 1;
  Lsn highest_allocated_ = 0;
  Lsn vcl_ = 0;
  Lsn vdl_ = 0;
  Lsn floor_ = 0;  // the recovered VDL: complete in every PG
  std::map<PgId, Lsn> pg_tail_;              // each PG's last allocated record
  std::map<PgId, std::set<Lsn>> pending_;    // each PG's records above its PGCL
  std::set<Lsn> cpls_;                       // CPLs above VDL
  std::map<SegmentId, Lsn> scl_;
  std::map<PgId, Lsn> pgcl_;
  std::map<PageId, std::vector<Lsn>> versions_;  // every version of each page, ascending
  std::map<storage::ReadPointId, Lsn> pins_;
  storage::ReadPointId next_pin_ = 1;
  std::map<SegmentId, std::unique_ptr<Sender>> senders_;
  // Shared with the fibers of recovery's parallel calls: a crash during open() unwinds the
  // opening fiber (and this writer with it) before those fibers, which still use it.
  std::shared_ptr<rpc::RpcClient> reader_;
  std::size_t read_turn_ = 0;
  WaitQueue vdl_waiters_;   // commits waiting for VDL
  WaitQueue lal_waiters_;   // allocations waiting for room
  Status stop_reason_;
  bool fenced_ = false;
  std::unique_ptr<ReplicaFeed> feed_;
  WriterStats stats_;
};

}  // namespace aurora::quorum
