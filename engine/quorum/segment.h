// Segment: one replica of one protection group, on one storage node's disk. It keeps the
// PG's records it has received (from the writer, or from its peers by gossip), in arrival
// order, and answers for them: its SCL, the page versions they make, a report for a
// recovering writer, and the records a peer misses. Byte layout: SEGMENT_FORMAT.md.
//
// Epochs fence stale senders (DESIGN.md invariant 14): every call carries the volume epoch
// and the PG's membership epoch of its sender, and the segment refuses anything older than
// what it has seen, with kFenced. It accepts records only under the epoch of its newest
// annulment: a segment that has seen a newer epoch, but not that epoch's annulment, answers
// kBusy until it is sent the annulment (a record of the annulled range would otherwise stay).
//
// A segment acknowledges records only once they are fsynced. After an fsync fails it stops
// (DESIGN.md invariant 11: what that fsync covered is unknown, and a later fsync that
// succeeds would not make it known): every call answers kStopped until the node restarts
// and the segment is opened again. Calls are serialized: one
// write, annulment or fence at a time, while reads go on beside them.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "engine/quorum/page_images.h"
#include "engine/quorum/segment_format.h"
#include "engine/quorum/watermarks.h"
#include "engine/runtime/runtime.h"
#include "engine/runtime/sync.h"

namespace aurora::quorum {

struct SegmentOptions {
  std::string dir;  // the segment's directory on its node's file system
  SegmentId segment = 0;
  PgId pg = 0;
  std::uint32_t page_size = 4096;
};

// The epochs a sender acts under.
struct Epochs {
  Epoch volume = 0;
  Epoch membership = 0;
  friend bool operator==(const Epochs&, const Epochs&) = default;
};

struct SegmentStats {
  std::uint64_t records_written = 0;  // frames appended (a record held already is skipped)
  std::uint64_t records_skipped = 0;  // held already, or annulled
  std::uint64_t fenced = 0;           // calls refused as older than an epoch seen
  std::uint64_t behind = 0;           // calls refused until an annulment arrives
  std::uint64_t fsyncs = 0;
  std::uint64_t frames_cut = 0;       // bytes dropped at open (a torn or damaged tail)
  std::uint64_t reads = 0;            // pages served
  std::uint64_t frames_read_for_pages = 0;  // records read from disk to serve them
};

class Segment {
 public:
  // Opens the segment in `options.dir`, creating it when absent (epochs 0: it accepts nothing
  // until a writer's first annulment reaches it). kCorruption when its state file is damaged
  // or names another segment.
  static Result<std::unique_ptr<Segment>> open(Runtime rt, SegmentOptions options);

  // Writes `records` (the writer's, or a peer's) durably, skipping those held already or
  // annulled, and returns the SCL after them. `e.volume` must be the epoch of the newest
  // annulment (kFenced when older, kBusy when newer), and no record may be newer than it.
  Result<Lsn> append(const Epochs& e, std::span<const SegmentRecord> records);

  // A recovering writer's first step: raises the volume epoch seen to `e.volume` (durably, so
  // that the writer before it is fenced from here on) and reports what the segment holds.
  Result<SegmentReport> fence_and_report(const Epochs& e);
  // Applies `annulled` (every annulment up to `e.volume`, the newest one e.volume's): drops
  // the records they annul, durably records them, and accepts e.volume's writes from then on.
  Status annul(const Epochs& e, std::span<const AnnulledRange> annulled);

  // The page as of read point `at`, from the records at or below it. kBusy when the SCL is
  // below `at` (the segment may miss a record there: read another).
  Result<std::vector<std::byte>> read(PageId page, Lsn at);

  // Gossip: a peer under epochs `e` asks for what this segment holds above `above` and not
  // in `have`. A peer of older epochs gets this segment's epochs and annulments instead, to
  // apply before it asks again; a peer ahead of this segment's newest annulment gets kBusy
  // (this segment learns it in its own gossip). Otherwise at most `limit` records,
  // ascending: never an annulled one.
  struct GossipAnswer {
    Epochs epochs;
    std::vector<AnnulledRange> annulled;  // set when the peer is behind
    std::vector<SegmentRecord> records;
    bool suspect = false;  // the answering segment's own: its answer does not repair
  };
  Result<GossipAnswer> answer_gossip(const Epochs& e, Lsn above, const std::set<Lsn>& have,
                                     std::size_t limit);
  // Applies a peer's answer: its annulments when it is ahead, then its records.
  Result<Lsn> absorb_gossip(const GossipAnswer& answer);
  // The LSNs held above the SCL (for a gossip request): the records waiting for a hole.
  std::set<Lsn> held_above_scl() const;

  Lsn scl() const { return tracker_.scl(); }
  Epochs epochs() const { return {state_.volume_epoch, state_.membership_epoch}; }
  const SegmentState& state() const { return state_; }
  // Whether acknowledged records may have been lost here (a damaged or torn log at open);
  // a suspect segment does not count in a read quorum until repaired from one.
  bool suspect() const { return suspect_; }
  void mark_repaired() { suspect_ = false; }
  const SegmentOptions& options() const { return options_; }
  const SegmentStats& stats() const { return stats_; }
  const Status& stopped() const { return stopped_; }
  // Every record held, ascending (for tests and the checkers' view of durable state).
  std::vector<RecordMeta> held() const;
  bool holds(Lsn lsn) const { return records_.contains(lsn); }
  // Forgets every cached page (invariant 9: a read with every cache cold reads the same).
  void drop_cache() {
    cache_.clear();
    cached_ = 0;
    frames_.clear();
    frame_bytes_ = 0;
  }

 private:
  struct Location {
    RecordMeta meta;
    std::uint64_t at = 0;  // offset of the frame in LOG
    std::uint32_t size = 0;
  };
  Segment(Runtime rt, SegmentOptions options)
      : rt_(rt), options_(std::move(options)), mu_(rt.sched) {}
  Status load();
  Status write_state(const SegmentState& next);
  Status check_epochs(const Epochs& e, bool need_annulment);
  Status sync_log();
  void stop(const std::string& why);
  // Reports (event segment.accept) that a call under `e` took effect: "append", "fence",
  // "annul" (the last two durable by then).
  void accepted(std::string_view what, const Epochs& e);
  void index(const SegmentRecord& r, std::uint64_t at, std::uint32_t size);
  void drop_annulled();
  Result<SegmentRecord> read_frame(const Location& loc);
  std::string path(std::string_view name) const;

  Runtime rt_;
  SegmentOptions options_;
  Mutex mu_;
  SegmentState state_;
  FileHandle log_{};
  std::uint64_t log_end_ = 0;
  std::map<Lsn, Location> records_;
  std::map<PageId, std::set<Lsn>> pages_;
  std::unique_ptr<PageImages> images_;
  // Materializations of pages at some of their versions, left by reads that applied many
  // records, so that a read applies only the records above the nearest one below its read
  // point (without them, every read replays its page's whole history from disk: a run's
  // cost grew with the square of its length). Bounded by kCacheBytes.
  static constexpr std::size_t kCheckpointEvery = 16;
  static constexpr std::size_t kCacheBytes = 4 << 20;
  void remember(PageId page, Lsn version, const std::vector<std::byte>& bytes);
  std::map<PageId, std::map<Lsn, std::vector<std::byte>>> cache_;
  std::size_t cached_ = 0;  // materializations in cache_
  // Records as written or last read, so that reads and gossip rarely go to the disk for
  // them (the log is read back whole at open anyway). Bounded by kFrameCacheBytes.
  static constexpr std::size_t kFrameCacheBytes = 8 << 20;
  void keep_frame(const SegmentRecord& r);
  std::map<Lsn, SegmentRecord> frames_;
  std::size_t frame_bytes_ = 0;
  std::uint64_t annulments_ = 0;  // a read that saw one begin under way caches nothing
  SclTracker tracker_;
  bool suspect_ = false;
  Status stopped_;  // ok while running
  SegmentStats stats_;
};

}  // namespace aurora::quorum
