#include "engine/storage/page_store.h"

#include <algorithm>
#include <array>
#include <charconv>

#include "engine/util/coding.h"
#include "engine/util/crc32c.h"

namespace aurora::storage {
namespace {

// Image slot layout (FORMAT.md beside this file).
constexpr std::uint32_t kImageMagic = 0x474d4941;  // "AIMG"
constexpr std::size_t kImageHeaderSize = 32;

// Whether `lsn` is one of the versions of `page` the log holds (Log::versions).
bool is_log_version(const wal::Log& log, PageId page, Lsn lsn) {
  const std::vector<Lsn>* versions = log.versions(page);
  return versions != nullptr && std::binary_search(versions->begin(), versions->end(), lsn);
}

}  // namespace

PageStore::PageStore(Runtime rt, wal::Log& log, std::string dir, PageStoreOptions options)
    : rt_(rt), log_(log), dir_(std::move(dir)), options_(options), cache_(options.cache_pages) {}

PageStore::~PageStore() {
  // Releasing the handle makes nothing durable and loses nothing durable.
  if (images_.valid()) rt_.fs.close(images_).ignore();
  for (FileHandle h : retired_images_) rt_.fs.close(h).ignore();
}

std::size_t PageStore::slot_size() const { return kImageHeaderSize + options_.page_size; }

Result<std::unique_ptr<PageStore>> PageStore::open(Runtime rt, wal::Log& log, std::string dir,
                                                   PageStoreOptions options) {
  AURORA_ASSERT(options.page_size > 0 && options.page_size <= wal::kMaxPayload,
                "page size must be in (0, kMaxPayload]");
  std::unique_ptr<PageStore> store(new PageStore(rt, log, std::move(dir), options));
  AURORA_RETURN_IF_ERROR(store->load_images());
  return store;
}

// Indexes every valid slot of the image file. A slot that fails its checksum (a torn
// write at a crash, or media damage) is ignored: the log still holds every record above
// the GC floor, and a page whose base below the floor (Log::versions) loses its image
// this way makes its reads fail with kCorruption, never start from an empty page.
Status PageStore::load_images() {
  // A compaction that crashed before its rename leaves its temporary file behind.
  Result<bool> stale = rt_.fs.exists(images_temp_path());
  if (!stale.is_ok()) return stale.status();
  if (*stale) AURORA_RETURN_IF_ERROR(rt_.fs.unlink(images_temp_path()));
  Result<FileHandle> f = rt_.fs.open(images_path(), OpenMode::kCreate);
  if (!f.is_ok()) return f.status();
  images_ = *f;
  AURORA_RETURN_IF_ERROR(rt_.fs.sync_dir(dir_));  // the file's name, should it be new
  Result<std::uint64_t> size = rt_.fs.size(images_);
  if (!size.is_ok()) return size.status();
  image_slots_ = *size / slot_size();  // a trailing partial slot is torn: overwritten next
  // Slots are read kLoadBatch at a time: one I/O per slot was most of the reads (and of the
  // time) of every recovery. A batch that fails to read (an unreadable sector) is read
  // again slot by slot, so that only the slots on that sector are lost.
  constexpr std::uint64_t kLoadBatch = 64;
  std::vector<std::byte> batch;
  for (std::uint64_t first = 0; first < image_slots_; first += kLoadBatch) {
    const std::uint64_t count = std::min(kLoadBatch, image_slots_ - first);
    batch.resize(count * slot_size());
    const Status whole = read_exact(rt_.fs, images_, first * slot_size(), batch);
    if (!whole.is_ok() && whole.kind() != ErrorKind::kIoError) return whole;
    for (std::uint64_t i = first; i < first + count; ++i) {
      const std::span<std::byte> slot = std::span(batch).subspan((i - first) * slot_size(), slot_size());
      if (!whole.is_ok()) {
        const Status s = read_exact(rt_.fs, images_, i * slot_size(), slot);
        if (s.kind() == ErrorKind::kIoError) {
          ++stats_.torn_images_ignored;  // an unreadable sector: the image is lost, not the data
          continue;
        }
        AURORA_RETURN_IF_ERROR(s);
      }
      index_image_slot(i, slot);
    }
  }
  return Status::ok();
}

// Indexes slot `i` (its bytes `v`) if it holds a valid image the recovered log can use.
void PageStore::index_image_slot(std::uint64_t i, std::span<const std::byte> v) {
  const bool valid = coding::get<std::uint32_t>(v, 0) == kImageMagic &&
                     coding::get<std::uint32_t>(v, 4) == crc32c::value(v.subspan(8)) &&
                     coding::get<std::uint32_t>(v, 24) == options_.page_size &&
                     coding::get<std::uint32_t>(v, 28) == 0;
  const PageId page = coding::get<std::uint64_t>(v, 8);
  const Lsn lsn = coding::get<std::uint64_t>(v, 16);
  // An image is of a version of its page, and only a version the recovered log still holds
  // (a record at or above the GC floor, or the page's base below it) may serve a read. The
  // others were annulled: written while their records were durable, then lost with them
  // (media faults) and annulled by recovery. Served, a read would see writes that never
  // happened (sim --seed 10453 --spec media_faults read the bytes of an annulled,
  // acknowledged MTR through its page's image).
  if (!valid || lsn == wal::kNoLsn || !is_log_version(log_, page, lsn)) {
    ++stats_.torn_images_ignored;
    rt_.events.emit("image.ignored", {{"slot", i}});
    return;
  }
  image_index_[page][lsn] = i;
}

std::optional<std::uint64_t> PageStore::indexed_slot(PageId page, Lsn lsn) const {
  const auto it = image_index_.find(page);
  if (it == image_index_.end()) return std::nullopt;
  const auto img = it->second.find(lsn);
  if (img == it->second.end()) return std::nullopt;
  return img->second;
}

Lsn PageStore::image_at(PageId page, Lsn at) const {
  auto it = image_index_.find(page);
  if (it == image_index_.end()) return wal::kNoLsn;
  auto img = it->second.upper_bound(at);
  return img == it->second.begin() ? wal::kNoLsn : std::prev(img)->first;
}

Result<std::vector<std::byte>> PageStore::read_image(PageId page, Lsn lsn) {
  const std::uint64_t slot_index = image_index_.at(page).at(lsn);
  std::vector<std::byte> slot(slot_size());
  AURORA_RETURN_IF_ERROR(read_exact(rt_.fs, images_, slot_index * slot_size(), slot));
  const std::span<const std::byte> v(slot);
  if (coding::get<std::uint32_t>(v, 0) != kImageMagic ||
      coding::get<std::uint32_t>(v, 4) != crc32c::value(v.subspan(8)) ||
      coding::get<std::uint64_t>(v, 8) != page || coding::get<std::uint64_t>(v, 16) != lsn) {
    return Status::corruption("image of page " + std::to_string(page) + " at " +
                              std::to_string(lsn) + " fails validation");
  }
  return std::vector<std::byte>(slot.begin() + kImageHeaderSize, slot.end());
}

Result<std::vector<std::byte>> PageStore::read(PageId page, Lsn at) {
  return read_above(page, at, read_floor());
}

Result<std::vector<std::byte>> PageStore::read_above(PageId page, Lsn at, Lsn horizon) {
  if (at > log_.vdl()) {
    return Status::invalid_argument("read point " + std::to_string(at) + " is above VDL " +
                                    std::to_string(log_.vdl()));
  }
  if (at < horizon) {
    return Status::out_of_range("read point " + std::to_string(at) +
                                " is below the GC horizon " + std::to_string(horizon));
  }
  ++stats_.reads;
  const Nanos start = rt_.clock.now();
  reads_in_flight_.insert(at);
  struct InFlight {
    PageStore& store;
    Lsn at;
    Nanos start;
    ~InFlight() {
      store.reads_in_flight_.erase(store.reads_in_flight_.find(at));
      store.stats_.read_ns.record(static_cast<std::uint64_t>(store.rt_.clock.now() - start));
    }
  } in_flight{*this, at, start};
  for (;;) {
    const std::uint64_t layout = log_.layout_version();
    const std::uint64_t images = image_generation_;
    Result<std::vector<std::byte>> bytes = read_once(page, at);
    if (bytes.is_ok() || (layout == log_.layout_version() && images == image_generation_)) {
      return bytes;
    }
    rt_.events.emit("page.read_retry", {{"page", page}, {"at", at}});
  }
}

Result<std::vector<std::byte>> PageStore::read_once(PageId page, Lsn at) {
  // The page's version at `at`: its newest record <= at, or its base below the GC floor
  // (whose records were collected: its image serves it, and without the image the read is
  // corruption, never an empty page).
  const Lsn version = std::max(log_.newest_version_at(page, at), image_at(page, at));
  if (version == wal::kNoLsn) return std::vector<std::byte>(options_.page_size);
  if (const std::vector<std::byte>* hit = cache_.get({page, version})) {
    ++stats_.cache_hits;
    rt_.events.emit("page.cache_hit", {{"page", page}, {"at", at}, {"version", version}});
    return *hit;
  }
  ++stats_.cache_misses;
  // Opens the materialization: trace viewers pair it with page.materialize for its span.
  rt_.events.emit("page.cache_miss", {{"page", page}, {"at", at}, {"version", version}});
  Result<std::vector<std::byte>> bytes = materialize(page, version, at);
  if (bytes.is_ok() && options_.cache_pages > 0) {
    cache_.put({page, version}, *bytes);
    rt_.events.emit("page.cache_insert", {{"page", page}, {"version", version},
                                          {"cached", cache_.size()},
                                          {"capacity", options_.cache_pages}});
  }
  return bytes;
}

namespace {

// The LSNs of a chain in replay order (oldest first) as text for the page.chain event,
// in a fixed buffer so that tracing a materialization allocates nothing: all of them
// when there are at most kChainListed, else the first few, "..", and the last few.
class ChainText {
 public:
  explicit ChainText(const std::vector<wal::Log::OwnedRecord>& newest_first) {
    const std::size_t n = newest_first.size();
    for (std::size_t i = 0; i < n; ++i) {
      if (n > kChainListed && i == kChainHead) {
        append("..");
        i = n - kChainTail;
      }
      append_lsn(newest_first[n - 1 - i].header.lsn);
    }
  }
  std::string_view view() const { return {buf_.data(), len_}; }

 private:
  static constexpr std::size_t kChainListed = 8;
  static constexpr std::size_t kChainHead = 4;
  static constexpr std::size_t kChainTail = 3;
  void append(std::string_view s) {
    if (len_ != 0) buf_[len_++] = ' ';
    len_ += s.copy(buf_.data() + len_, s.size());
  }
  void append_lsn(Lsn lsn) {
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, lsn).ptr;
    append(std::string_view(digits, static_cast<std::size_t>(end - digits)));
  }
  // At most kChainListed numbers of 20 digits, their separators and "..".
  std::array<char, kChainListed * 21 + 3> buf_{};
  std::size_t len_ = 0;
};

}  // namespace

// Replays the page's chain from its base (newest image <= version, or an empty page) up to
// `version`, reading each record through its prev_lsn link.
Result<std::vector<std::byte>> PageStore::materialize(PageId page, Lsn version, Lsn at) {
  ++stats_.materializations;
  Lsn base_lsn = image_at(page, version);
  std::vector<std::byte> bytes(options_.page_size);
  while (base_lsn != wal::kNoLsn) {
    Result<std::vector<std::byte>> image = read_image(page, base_lsn);
    if (image.is_ok()) {
      bytes = std::move(*image);
      ++stats_.images_used;
      break;
    }
    // A damaged image is dropped; an older base (or the log) still has the answer.
    if (image.kind() != ErrorKind::kCorruption && image.kind() != ErrorKind::kIoError) {
      return image.status();  // not the image's fault (a crash, say): keep it
    }
    rt_.events.emit("image.ignored", {{"page", page}, {"lsn", base_lsn}});
    ++stats_.torn_images_ignored;
    image_index_[page].erase(base_lsn);
    base_lsn = image_at(page, version);
  }
  std::vector<wal::Log::OwnedRecord> chain;
  for (Lsn l = version; l > base_lsn;) {
    if (l < log_.gc_floor()) {
      // The page's base: GC collected its records, and its image is lost or damaged.
      return Status::corruption("page " + std::to_string(page) + " at " + std::to_string(at) +
                                ": its chain reaches its base LSN " + std::to_string(l) +
                                " below the GC floor " + std::to_string(log_.gc_floor()) +
                                ", whose image is missing or damaged");
    }
    Result<wal::Log::OwnedRecord> rec = log_.read_record(l);
    if (!rec.is_ok()) return rec.status();
    if (rec->header.page != page) {
      return Status::corruption("record " + std::to_string(l) + " is on page " +
                                std::to_string(rec->header.page) + ", not " + std::to_string(page));
    }
    ++stats_.chain_records_walked;
    l = rec->header.prev_lsn;
    chain.push_back(std::move(*rec));
  }
  rt_.events.emit("page.chain",
                  {{"page", page}, {"version", version}, {"base", base_lsn},
                   {"replayed", chain.size()},
                   {"first", chain.empty() ? wal::kNoLsn : chain.back().header.lsn},
                   {"last", chain.empty() ? wal::kNoLsn : chain.front().header.lsn},
                   {"lsns", ChainText(chain).view()}});
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    const wal::RecordHeader& h = it->header;
    if (static_cast<std::uint64_t>(h.page_offset) + h.length > options_.page_size) {
      return Status::corruption("record " + std::to_string(h.lsn) + " writes past the page end");
    }
    std::copy(it->payload.begin(), it->payload.end(), bytes.begin() + h.page_offset);
  }
  stats_.chain_length.record(chain.size());
  rt_.events.emit("page.materialize", {{"page", page}, {"at", at}, {"version", version},
                                       {"base", base_lsn}, {"walked", chain.size()}});
  return bytes;
}

Result<std::size_t> PageStore::write_images(Lsn upto) {
  upto = std::min(upto, log_.vdl());
  std::vector<std::pair<PageId, Lsn>> wanted;
  for (PageId page : log_.pages()) {
    const std::vector<Lsn>& versions = *log_.versions(page);
    const Lsn newest_image = image_at(page, upto);
    // A base below the floor without its image (lost or damaged) and no image above it:
    // no version of the page can be materialized again, so none is worth trying.
    if (versions.front() < log_.gc_floor() && newest_image < versions.front()) continue;
    const auto first_after = std::upper_bound(versions.begin(), versions.end(), newest_image);
    const auto last = std::upper_bound(versions.begin(), versions.end(), upto);
    if (last > first_after && static_cast<std::size_t>(last - first_after) >= options_.image_after) {
      wanted.emplace_back(page, *std::prev(last));
    }
  }
  return append_images(std::move(wanted));
}

// Materializes, writes and fsyncs the wanted images; only then are they indexed, so an
// image is used only once it is durable. A page whose chain is damaged (kCorruption: a
// record fails its checks, or its base image is gone) is skipped: its reads report that
// corruption themselves, and the other pages' images must not wait for it. Returns the
// images written.
Result<std::size_t> PageStore::append_images(std::vector<std::pair<PageId, Lsn>> wanted) {
  if (wanted.empty()) return std::size_t{0};
  AURORA_RETURN_IF_ERROR(images_broken_);
  std::vector<std::byte> out;
  out.reserve(wanted.size() * slot_size());
  std::vector<std::pair<PageId, Lsn>> written;
  for (const auto& [page, lsn] : wanted) {
    Result<std::vector<std::byte>> bytes = read_above(page, lsn, log_.gc_floor());
    if (bytes.kind() == ErrorKind::kCorruption) {
      rt_.events.emit("image.skipped", {{"page", page}, {"lsn", lsn},
                                        {"reason", std::string_view(bytes.status().message())}});
      continue;
    }
    if (!bytes.is_ok()) return bytes.status();
    written.emplace_back(page, lsn);
    const std::size_t at = out.size();
    out.resize(at + slot_size());
    std::span<std::byte> slot = std::span(out).subspan(at);
    coding::put<std::uint32_t>(slot, 0, kImageMagic);
    coding::put<std::uint64_t>(slot, 8, page);
    coding::put<std::uint64_t>(slot, 16, lsn);
    coding::put<std::uint32_t>(slot, 24, options_.page_size);
    coding::put<std::uint32_t>(slot, 28, 0);
    std::copy(bytes->begin(), bytes->end(), slot.begin() + kImageHeaderSize);
    coding::put<std::uint32_t>(slot, 4, crc32c::value(slot.subspan(8)));
  }
  if (written.empty()) return std::size_t{0};
  const std::uint64_t first_slot = image_slots_;
  for (std::size_t i = 0; i < written.size(); ++i) {
    rt_.fs.hint(images_, (first_slot + i) * slot_size(), slot_size(), "image.slot");
  }
  AURORA_RETURN_IF_ERROR(write_all(rt_.fs, images_, first_slot * slot_size(), out));
  rt_.crash_point("image.written");  // images written, not durable, not yet used
  AURORA_RETURN_IF_ERROR(rt_.fs.sync(images_));
  for (std::size_t i = 0; i < written.size(); ++i) {
    image_index_[written[i].first][written[i].second] = first_slot + i;
  }
  image_slots_ += written.size();
  stats_.images_written += written.size();
  rt_.events.emit("image.write", {{"count", written.size()}, {"first_slot", first_slot}});
  return written.size();
}

Result<std::size_t> PageStore::collect(Lsn floor) {
  floor = std::min(floor, log_.vdl());
  if (!reads_in_flight_.empty()) floor = std::min(floor, *reads_in_flight_.begin());
  if (floor <= log_.gc_floor()) return std::size_t{0};
  collecting_floor_ = floor;
  struct Done {
    Lsn& floor;
    ~Done() { floor = 0; }
  } done{collecting_floor_};
  // A read at or above the floor replays the page's records from the floor up, onto the
  // page as it stood just below the floor: its newest version below the floor, whose
  // records are about to go. Image every page there first. A version below the current
  // floor is already a base served by its image: if that image is gone, the page is
  // damaged already (its reads say so), and GC must not fail for it.
  std::vector<std::pair<PageId, Lsn>> wanted;
  const Lsn current_floor = log_.gc_floor();
  for (PageId page : log_.pages()) {
    const Lsn below = log_.newest_version_at(page, floor - 1);
    if (below != wal::kNoLsn && below >= current_floor && image_at(page, below) != below) {
      wanted.emplace_back(page, below);
    }
  }
  Result<std::size_t> imaged = append_images(std::move(wanted));
  if (!imaged.is_ok()) return imaged.status();
  Result<std::size_t> collected = log_.collect_below(floor);
  if (!collected.is_ok()) return collected;
  stats_.segments_collected += *collected;
  drop_dead_images();
  Result<std::size_t> reclaimed = compact_images(options_.compact_min_dead);
  if (!reclaimed.is_ok()) return reclaimed.status();
  return collected;
}

// A read at R >= floor starts from the newest image <= its version, and that version is at
// least the page's newest image <= floor: every older image of the page is dead.
void PageStore::drop_dead_images() {
  const Lsn floor = log_.gc_floor();
  for (auto& [page, images] : image_index_) {
    const Lsn base = image_at(page, floor);
    if (base != wal::kNoLsn) images.erase(images.begin(), images.find(base));
  }
}

Result<std::size_t> PageStore::compact_images(std::size_t min_dead) {
  AURORA_RETURN_IF_ERROR(images_broken_);
  if (reads_in_flight_.empty()) {
    for (FileHandle h : retired_images_) rt_.fs.close(h).ignore();
    retired_images_.clear();
  }
  drop_dead_images();
  std::vector<std::pair<PageId, Lsn>> live;
  for (const auto& [page, images] : image_index_) {
    for (const auto& [lsn, slot] : images) live.emplace_back(page, lsn);
  }
  const std::uint64_t dead = image_slots_ - live.size();
  if (dead == 0 || dead < min_dead || dead < live.size()) return std::size_t{0};

  // The live slots, copied in bounded chunks into a fresh temporary file made durable.
  Result<FileHandle> tmp = rt_.fs.open(images_temp_path(), OpenMode::kCreate);
  if (!tmp.is_ok()) return tmp.status();
  Status s = rt_.fs.truncate(*tmp, 0);
  constexpr std::size_t kChunkSlots = 64;
  std::vector<std::byte> chunk;
  std::vector<bool> lost(live.size());
  for (std::size_t i = 0; s.is_ok() && i < live.size(); i += kChunkSlots) {
    const std::size_t n = std::min(kChunkSlots, live.size() - i);
    chunk.resize(n * slot_size());
    for (std::size_t j = 0; s.is_ok() && j < n; ++j) {
      const std::span<std::byte> out = std::span(chunk).subspan(j * slot_size(), slot_size());
      const std::optional<std::uint64_t> slot = indexed_slot(live[i + j].first, live[i + j].second);
      if (!slot) {
        // A read found the image damaged and dropped it while this copy yielded for I/O
        // (sim --seed 4275 --spec media_faults: the lookup threw): nothing left to copy.
        std::fill(out.begin(), out.end(), std::byte{0});
        continue;
      }
      s = read_exact(rt_.fs, images_, *slot * slot_size(), out);
      if (s.kind() == ErrorKind::kIoError) {
        // An unreadable sector loses that image, as at load: its slot is copied as zeros,
        // which never validate, and the log (or an older base) still answers its reads.
        std::fill(out.begin(), out.end(), std::byte{0});
        lost[i + j] = true;
        s = Status::ok();
      }
    }
    for (std::size_t j = 0; j < n; ++j) {
      rt_.fs.hint(*tmp, (i + j) * slot_size(), slot_size(), "image.slot");
    }
    if (s.is_ok()) s = write_all(rt_.fs, *tmp, i * slot_size(), chunk);
  }
  if (s.is_ok()) s = rt_.fs.sync(*tmp);
  const Status closed = rt_.fs.close(*tmp);
  AURORA_RETURN_IF_ERROR(s);
  AURORA_RETURN_IF_ERROR(closed);

  // From the rename on, a failure leaves the directory's durable entry unknown.
  Status swapped = rt_.fs.rename(images_temp_path(), images_path());
  if (swapped.is_ok()) rt_.crash_point("image.compact_renamed");  // the name not yet durable
  if (swapped.is_ok()) swapped = rt_.fs.sync_dir(dir_);
  Result<FileHandle> fresh = swapped.is_ok() ? rt_.fs.open(images_path(), OpenMode::kOpenExisting)
                                             : Result<FileHandle>(swapped);
  if (!fresh.is_ok()) {
    images_broken_ = Status(fresh.status().kind(),
                            "image file compaction failed after its rename: " +
                                fresh.status().message());
    return images_broken_;
  }
  // The new file and its slot numbers take over at once, before anything yields; the old
  // file's inode is gone from the directory, but reads under way may still be using it.
  const FileHandle old = images_;
  images_ = *fresh;
  image_slots_ = live.size();
  ++image_generation_;
  for (std::size_t i = 0; i < live.size(); ++i) {
    // An image a read dropped meanwhile (damaged) stays dropped: its new slot is dead.
    const bool still_indexed = indexed_slot(live[i].first, live[i].second).has_value();
    if (lost[i] || !still_indexed) {
      if (still_indexed) image_index_[live[i].first].erase(live[i].second);
      if (lost[i]) ++stats_.torn_images_ignored;
    } else {
      image_index_[live[i].first][live[i].second] = i;
    }
  }
  if (reads_in_flight_.empty()) {
    rt_.fs.close(old).ignore();
  } else {
    retired_images_.push_back(old);
  }
  ++stats_.image_compactions;
  stats_.image_slots_reclaimed += dead;
  rt_.events.emit("image.compact", {{"live", live.size()}, {"reclaimed", dead}});
  return static_cast<std::size_t>(dead);
}

void PageStore::drop_cache() { cache_.clear(); }

}  // namespace aurora::storage
