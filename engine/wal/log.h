// Log: the storage side's write-ahead log — the database itself ("the log is the
// database"). It allocates LSNs, batches records into segment files with a group-commit
// writer fiber, advances VCL and VDL, and on open recovers from whatever is durable.
//
// Terms (DESIGN.md section 3): VCL is the highest LSN with every record at or below it
// durable; VDL is the highest consistency point (the last record of a mini-transaction,
// a CPL) at or below VCL. An MTR is acknowledged only when VDL >= its CPL. No LSN is
// allocated above VDL + LAL; allocation waits instead.
//
// The log also keeps the per-page version index (page -> every LSN that wrote it at or
// above the GC floor, in order, after the page's base: its newest version below the floor,
// which the control file remembers), which is what gives each record its prev_lsn
// back-link and what versioned reads search. It is rebuilt by recovery.
//
// Failures: a write that fails (no space, I/O error) is retried at the same offset with
// the same bytes, so no gap can open in front of later records; after a bounded number of
// attempts, or after any fsync failure (never retried: DESIGN.md invariant 11), the log
// stops. A stopped log acknowledges nothing more; the next open() recovers.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/runtime/runtime.h"
#include "engine/runtime/sync.h"
#include "engine/util/histogram.h"
#include "engine/wal/control_file.h"
#include "engine/wal/format.h"

namespace aurora::wal {

enum class Durability : std::uint8_t {
  kEveryCommit,  // flush as soon as anything is pending, without waiting to fill a batch
                 // (commits that arrive during an fsync share the next one)
  kGroup,        // batches close at a size or age threshold (group commit)
  kInterval,     // a batch every `interval`
  kManual,       // durable only on sync()
};
std::string_view durability_name(Durability d);
std::optional<Durability> parse_durability(std::string_view s);

// --- LSN arithmetic near 2^64 -------------------------------------------------------------
// LSNs are u64 and never wrap: every sum the log computes on them is at most kMaxLsn + 1
// (format.h: 2^64 - 1 is never an LSN), because
//  - LAL is at most kMaxLal (2^32; Aurora uses 10^7). Log::open asserts it: options are the
//    program's (a spec checks its own when parsed, workloads/spec/spec.cc);
//  - recovery accepts a volume only when its annulment (VDL, max(VDL + LAL, highest LSN on
//    disk)] ends at or below kMaxLsn - LAL, so that the incarnation it starts has a whole
//    allocation window above it: VDL <= highest_recoverable_vdl(LAL) and every LSN on disk
//    <= highest_recoverable_lsn(LAL), else kCorruption. No volume gets there by appending
//    (2^64 - 2^33 LSNs: centuries at a billion a second), so bytes that say so are corrupt.
//    VDL + LAL, the annulment's end + 1 (the next LSN) and the new epoch then all fit; and
//    before the scan adds 1 to an LSN read from disk (a record's, an annulled range's end),
//    it refuses one above kMaxLsn;
//  - append() compares room left, never sums: it waits while n > LAL - (highest allocated -
//    VDL), where highest allocated - VDL <= LAL holds (each allocation kept it, VDL only
//    grows), and refuses with kOutOfRange when n > kMaxLsn - highest allocated. So the
//    highest LSN it hands out is kMaxLsn and next_lsn() is at most kMaxLsn + 1;
//  - a batch's last LSN (its first + count - 1) is an allocated LSN, and a sealed segment's
//    last + 1 (rotate) the first LSN of the batch that follows it: at most kMaxLsn.
// --- Allocation and recovery ---------------------------------------------------------------
// Recovery annuls (VDL, max(VDL + LAL, highest LSN on disk)] and allocates above it, so every
// LSN allocated before the crash must lie in that range: LSNs are never reused (DESIGN.md
// invariant 1). VDL + LAL alone does not cover them when recovery finds a lower VDL than the
// log once had, which media faults make possible (a lost write takes acknowledged records
// that no persisted watermark covered yet): with a small LAL, `sim --seed 365 --spec
// many_nodes --faults unrestricted` reallocated LSNs 31..34 of an MTR allocated before.
// So the log allocates no LSN above the persisted watermark + LAL, the watermark being a
// VDL that the control file holds (persist_control); when it lags, append() first writes the
// control file with the current VDL. Recovery then either finds the log complete to that
// watermark, so that VDL + LAL is above every LSN ever allocated, or reports corruption (a
// hole at or below a persisted watermark). With Aurora's LAL of ten million the control file,
// rewritten at every segment rotation, is never behind by that much; a small LAL pays a
// control file write each time VDL has moved on and appends need the room.
inline constexpr Lsn kMaxLal = Lsn{1} << 32;
static_assert(kMaxLsn > 2 * kMaxLal, "the recovery bounds below must not underflow");
// The highest VDL recovery accepts with allocation limit `lal` (<= kMaxLal).
constexpr Lsn highest_recoverable_vdl(Lsn lal) { return kMaxLsn - 2 * lal; }
// The highest LSN recovery accepts on disk with allocation limit `lal` (<= kMaxLal).
constexpr Lsn highest_recoverable_lsn(Lsn lal) { return kMaxLsn - lal; }

struct LogOptions {
  std::string dir = "db";
  std::uint64_t segment_bytes = 64 * 1024;  // rotate once a segment would exceed this
  Lsn lal = 10'000'000;                     // LSN allocation limit (Aurora's value), 1..kMaxLal
  Durability durability = Durability::kGroup;
  std::size_t group_max_records = 256;      // kGroup: close a batch at this many records
  Nanos group_max_delay = 200 * kMicrosecond;  // kGroup: or when its oldest waited this long
  Nanos interval = 5 * kMillisecond;        // kInterval
  int write_attempts = 4;                   // tries of one batch write before stopping
  Nanos cold_read_latency = 50 * kMillisecond;  // extra latency of a read from the cold tier
};

// One redo of a mini-transaction: write `bytes` at `offset` of `page`.
struct Redo {
  PageId page = 0;
  std::uint32_t offset = 0;
  std::vector<std::byte> bytes;
};

struct LogStats {
  std::uint64_t records_appended = 0;
  std::uint64_t mtrs_appended = 0;
  std::uint64_t bytes_written = 0;
  std::uint64_t batches = 0;
  std::uint64_t fsyncs = 0;
  std::uint64_t write_retries = 0;
  std::uint64_t lal_waits = 0;
  std::uint64_t rotations = 0;
  std::uint64_t record_reads = 0;
  std::uint64_t cold_reads = 0;
  Histogram fsync_ns;        // time of each log fsync
  Histogram batch_records;   // records per flushed batch
};

// What recovery found and did (reported as events and kept for tests and checkers).
struct RecoveryReport {
  bool fresh = false;          // a new volume was created
  Epoch epoch = 0;             // the epoch after recovery
  Lsn vcl_found = 0;           // end of the contiguous run of valid records
  Lsn vdl_found = 0;           // last CPL at or below it
  Lsn watermark = 0;           // highest persisted durable watermark seen
  std::optional<AnnulledRange> annulled;  // the range annulled by this recovery
  std::uint64_t records_recovered = 0;
  std::uint64_t records_beyond_hole = 0;  // valid records found after the hole (annulled)
  bool torn_tail = false;      // a hole above the watermark was cut off
};

class Log {
 public:
  // Opens the log in `options.dir`, creating a new volume or recovering an existing one.
  // Recovery makes the annulment durable before returning. kCorruption when durable data
  // is missing or damaged (a hole at or below a persisted watermark): the log refuses to
  // open rather than silently treating it as the end of the log.
  static Result<std::unique_ptr<Log>> open(Runtime rt, LogOptions options);
  ~Log();

  // Appends one MTR (its last record is its CPL) and returns the CPL's LSN. Waits while
  // allocation would pass VDL + LAL. The records are not durable yet: see wait_durable().
  // kOutOfRange when the MTR's last LSN would pass kMaxLsn (the LSN space is used up).
  Result<Lsn> append(std::span<const Redo> mtr);
  // Returns once VDL >= lsn; kStopped if the log stopped first.
  Status wait_durable(Lsn lsn);
  // Flushes everything appended so far and waits for it (the manual policy's commit).
  Status sync();
  // Stops the writer: nothing more is acknowledged. Idempotent.
  void stop(Status why);

  Lsn vcl() const { return vcl_; }
  Lsn vdl() const { return vdl_; }
  Lsn next_lsn() const { return next_lsn_; }
  Lsn highest_allocated() const { return next_lsn_ - 1; }
  Epoch epoch() const { return control_.epoch; }
  Lsn gc_floor() const { return control_.gc_floor; }
  // Changes whenever GC or tiering changes where records live (see read_record).
  std::uint64_t layout_version() const { return layout_version_; }
  bool stopped() const { return stopped_; }
  const Status& stop_reason() const { return stop_reason_; }
  const RecoveryReport& recovery() const { return recovery_; }
  const ControlState& control() const { return control_; }
  const LogStats& stats() const { return stats_; }
  const LogOptions& options() const { return options_; }

  // Versions of a page, ascending: every LSN that wrote it (durable or pending) at or above
  // the GC floor, after its base below the floor when it has one (ControlState::bases).
  const std::vector<Lsn>* versions(PageId page) const;
  // The newest LSN <= at that wrote `page`, or kNoLsn.
  Lsn newest_version_at(PageId page, Lsn at) const;
  // Every page with at least one version, ascending.
  std::vector<PageId> pages() const;

  // Where the segment `info` lives: <dir>/wal/ or <dir>/cold/, named by first LSN and epoch.
  std::string segment_path(const SegmentInfo& info) const;

  // Reads and verifies the durable record `lsn` (lsn <= VCL and not collected).
  struct OwnedRecord {
    RecordHeader header;
    std::vector<std::byte> payload;
  };
  Result<OwnedRecord> read_record(Lsn lsn);

  // Moves every sealed hot segment wholly below `below` to the cold tier, crash-safely:
  // copy, fsync, fsync the cold directory, switch the control file, then remove the hot
  // copy. Returns how many moved.
  Result<std::size_t> tier_sealed_segments(Lsn below);
  // Deletes sealed segments whose records are all below `floor` and raises the GC floor
  // to `floor` durably (control file first, then the files), with each page's newest
  // version below `floor` as its base. The caller guarantees that nothing will read below
  // `floor` again (images cover it). Returns how many went.
  Result<std::size_t> collect_below(Lsn floor);

 private:
  // A segment file: its control-file entry, an open handle (opened lazily for reads), its
  // size, and the offset of each of its records (record i has LSN info.first_lsn + i).
  struct Segment {
    SegmentInfo info;
    FileHandle handle;
    std::uint64_t size = 0;
    std::vector<std::uint32_t> offsets;
  };
  Log(Runtime rt, LogOptions options);

  Status create_volume();
  // kCorruption when segments hold records although there is no control file.
  Status refuse_log_without_control();
  Status recover();
  Status open_new_segment(Lsn first_lsn);
  Status rotate();
  void writer_loop();
  bool flush_due() const;
  Status flush_batch();
  Status write_batch(Segment& seg, std::uint64_t offset, std::span<const std::byte> bytes);
  std::shared_ptr<Segment> segment_for(Lsn lsn);
  Result<OwnedRecord> decode_read_record(Lsn lsn, const Segment& seg,
                                         std::span<const std::byte> bytes) const;
  Status persist_control();
  // Makes the current VDL the control file's watermark, so that allocation may go on
  // (see "Allocation and recovery" above).
  Status persist_watermark_for_allocation();
  void emit_state(std::string_view kind);

  Runtime rt_;
  LogOptions options_;
  ControlState control_;
  // Held by each change of control_ that is then persisted (rotation by the writer fiber;
  // GC and tiering by maintenance), from the change until its control file is durable or
  // the change is rolled back: the file's temporary name is shared, and a rollback must not
  // undo another fiber's change.
  Mutex control_mutex_;
  // Ascending first_lsn; the last is current. Shared so that a reader that yields (a cold
  // read's latency, the read itself) keeps its segment alive while GC drops it.
  std::vector<std::shared_ptr<Segment>> segments_;
  // Bumped whenever GC or tiering changes the GC floor, the segment list or a segment's
  // file, so that a read that failed across such a change knows to look again.
  std::uint64_t layout_version_ = 0;

  Lsn next_lsn_ = 1;
  Lsn vcl_ = 0;
  Lsn vdl_ = 0;
  // The durable watermark of the last control file written successfully: no LSN is
  // allocated above it + LAL.
  Lsn persisted_watermark_ = 0;
  std::map<PageId, std::vector<Lsn>> page_versions_;

  // The batch being built: encoded records, their offsets within it, LSN range.
  std::vector<std::byte> pending_;
  std::vector<std::uint32_t> pending_offsets_;
  Lsn pending_first_ = 0;
  Lsn pending_last_cpl_ = 0;
  Nanos pending_since_ = 0;
  bool sync_requested_ = false;
  std::size_t lal_waiters_ = 0;

  WaitQueue writer_wakeup_;  // the writer parks here when there is nothing to flush
  WaitQueue vdl_waiters_;    // woken after every flush that moved VDL, and on stop
  bool stopped_ = false;
  Status stop_reason_;
  FiberId writer_ = 0;  // the writer fiber, killed by the destructor if still parked
  RecoveryReport recovery_;
  LogStats stats_;
};

}  // namespace aurora::wal
