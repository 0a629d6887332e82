// PageStore: pages as of any read point, materialized from the log.
//
// read(page, R) returns exactly the page as of read point R: the replay of every record
// of that page with LSN <= R. Materialization walks the page's chain (each record's
// prev_lsn) back from the newest version <= R to a base, and replays forward. The base is
// an empty page, or a page image: a materialized copy of the page at some version, kept
// in the image file so that reads of hot pages stop paying for long chains (Aurora's
// coalescing). Images are written by write_images(), usually from a background fiber.
//
// The cache holds materialized pages keyed by (page, version). A read at R looks up the
// newest version <= R, so a cached page newer than the read point can never serve it
// (DESIGN.md invariant 9, and the public bug class "a cached page version newer than the
// read point served to a read").
//
// collect(floor) garbage-collects the log below `floor` (the lowest read point still in
// use): every page whose newest version below the floor would be lost first gets an image
// at exactly that version, durably, and only then does the log drop its segments. The log
// keeps that version as the page's base (durably, in its control file), so that a read
// needing it after its image was lost or damaged is kCorruption, never an empty page. Reads
// below the floor are refused with kOutOfRange, never answered with other data.
//
// Images below a page's newest image at or below the floor can never be a read's base
// again; once such dead slots outnumber the live ones, the image file is rewritten with
// only the live ones (compact_images) and atomically put in place of the old one.
//
// The image file's layout is in FORMAT.md beside this file.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <memory>
#include <vector>

#include "engine/runtime/runtime.h"
#include "engine/util/histogram.h"
#include "engine/util/lru_cache.h"
#include "engine/wal/log.h"

namespace aurora::storage {

using wal::Lsn;
using wal::PageId;

struct PageStoreOptions {
  std::uint32_t page_size = 4096;
  std::size_t cache_pages = 256;        // materialized pages kept (LRU); 0 = no cache
  std::uint32_t image_after = 32;       // write_images() images pages with this many
                                        // versions since their newest image
  std::size_t compact_min_dead = 64;    // collect() rewrites the image file once this many
                                        // slots are dead and they outnumber the live ones
};

struct PageStoreStats {
  std::uint64_t reads = 0;
  std::uint64_t cache_hits = 0;
  std::uint64_t cache_misses = 0;
  std::uint64_t materializations = 0;
  std::uint64_t chain_records_walked = 0;
  std::uint64_t images_written = 0;
  std::uint64_t images_used = 0;
  std::uint64_t torn_images_ignored = 0;
  std::uint64_t segments_collected = 0;
  std::uint64_t image_compactions = 0;
  std::uint64_t image_slots_reclaimed = 0;
  Histogram read_ns;        // time of each read (cache hits included)
  Histogram chain_length;   // records walked per materialization
};

class PageStore {
 public:
  // Loads the image index from `dir`/IMAGES (ignoring torn or corrupt slots).
  static Result<std::unique_ptr<PageStore>> open(Runtime rt, wal::Log& log, std::string dir,
                                                 PageStoreOptions options);
  ~PageStore();

  // The page as of read point `at` (page_size bytes). kInvalidArgument when `at` is above
  // VDL (not a read point the log can serve yet); kOutOfRange when below the GC floor.
  Result<std::vector<std::byte>> read(PageId page, Lsn at);
  // The lowest read point read() accepts now: the GC floor, or the floor GC is applying.
  Lsn read_floor() const { return std::max(log_.gc_floor(), collecting_floor_); }
  // Images every page with at least options.image_after versions since its newest image,
  // at its newest version <= `upto` (<= VDL), and fsyncs the image file. A page whose chain
  // is damaged is skipped (its reads report it). Returns the images written.
  Result<std::size_t> write_images(Lsn upto);
  // Collects the log below `floor` (see above). Returns the segments collected.
  Result<std::size_t> collect(Lsn floor);
  // Rewrites the image file without its dead slots when at least `min_dead` are dead and
  // they outnumber the live ones. Returns the slots reclaimed. Crash-safe: the live images
  // go to IMAGES.tmp, which is fsynced, renamed over IMAGES, and the directory fsynced.
  Result<std::size_t> compact_images(std::size_t min_dead);
  // Empties the cache (tests: reads must not depend on it).
  void drop_cache();

  const PageStoreStats& stats() const { return stats_; }
  const PageStoreOptions& options() const { return options_; }
  // The LSN of the newest image of `page` at or below `at`, or kNoLsn.
  Lsn image_at(PageId page, Lsn at) const;

 private:
  PageStore(Runtime rt, wal::Log& log, std::string dir, PageStoreOptions options);
  Status load_images();
  void index_image_slot(std::uint64_t i, std::span<const std::byte> slot);
  // The slot of the image of `page` at `lsn`, if it is (still) indexed.
  std::optional<std::uint64_t> indexed_slot(PageId page, Lsn lsn) const;
  // read() with an explicit horizon: collect() images pages below the floor it applies.
  Result<std::vector<std::byte>> read_above(PageId page, Lsn at, Lsn horizon);
  Result<std::vector<std::byte>> read_once(PageId page, Lsn at);
  Result<std::vector<std::byte>> materialize(PageId page, Lsn version, Lsn at);
  Result<std::vector<std::byte>> read_image(PageId page, Lsn lsn);
  Result<std::size_t> append_images(std::vector<std::pair<PageId, Lsn>> wanted);
  void drop_dead_images();
  std::string images_path() const { return dir_ + "/IMAGES"; }
  std::string images_temp_path() const { return dir_ + "/IMAGES.tmp"; }
  std::size_t slot_size() const;

  Runtime rt_;
  wal::Log& log_;
  std::string dir_;
  PageStoreOptions options_;
  FileHandle images_;
  std::uint64_t image_slots_ = 0;
  // Not OK once a compaction failed after its rename: which file the directory will hold
  // after a crash is then unknown, so no image may be written (nor GC rely on one) again
  // in this incarnation.
  Status images_broken_ = Status::ok();
  // Image files replaced by a compaction while reads were under way (a read may be inside
  // a pread on one); closed by a later compaction with no read under way, or at the end.
  std::vector<FileHandle> retired_images_;
  std::uint64_t image_generation_ = 0;  // bumped by each compaction

  // GC runs in the maintenance fiber while reads yield for I/O. The read points of reads
  // under way hold GC below them, and while collect() runs, new reads below the floor it
  // is applying are refused. A read whose log or images moved under it (GC, tiering, a
  // compaction) looks its page up again.
  std::multiset<Lsn> reads_in_flight_;
  Lsn collecting_floor_ = 0;
  // page -> (image LSN -> slot), for valid durable images.
  std::map<PageId, std::map<Lsn, std::uint64_t>> image_index_;

  LruCache<std::pair<PageId, Lsn>, std::vector<std::byte>> cache_;  // (page, version)
  PageStoreStats stats_;
};

}  // namespace aurora::storage
