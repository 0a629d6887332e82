#include "engine/quorum/segment.h"

#include <algorithm>

#include "engine/runtime/assert.h"

namespace aurora::quorum {

namespace {
constexpr std::string_view kLogName = "LOG";
constexpr std::string_view kStateName = "STATE";
constexpr std::string_view kStateTempName = "STATE.tmp";
constexpr std::string_view kImagesName = "IMAGES";
// How much of the log one read of the open scan takes.
constexpr std::size_t kScanChunk = 64 * 1024;
}  // namespace

std::string Segment::path(std::string_view name) const {
  return std::string(options_.dir).append("/").append(name);
}

Result<std::unique_ptr<Segment>> Segment::open(Runtime rt, SegmentOptions options) {
  std::unique_ptr<Segment> seg(new Segment(rt, std::move(options)));
  AURORA_RETURN_IF_ERROR(seg->load());
  return seg;
}

Status Segment::load() {
  FileSystem& fs = rt_.fs;
  AURORA_RETURN_IF_ERROR(ensure_dir(fs, options_.dir));
  AURORA_RETURN_IF_ERROR(fs.sync_dir(parent_dir(options_.dir)));
  Result<FileHandle> state_file = fs.open(path(kStateName), OpenMode::kOpenExisting);
  if (state_file.kind() == ErrorKind::kNotFound) {
    // New, or interrupted before its state file was renamed in: a log with records and no
    // state file is a segment that lost its state, never a new one.
    Result<bool> has_log = fs.exists(path(kLogName));
    if (!has_log.is_ok()) return has_log.status();
    if (*has_log) {
      Result<FileHandle> f = fs.open(path(kLogName), OpenMode::kOpenExisting);
      if (!f.is_ok()) return f.status();
      Result<std::uint64_t> size = fs.size(*f);
      fs.close(*f).ignore();  // only its size was wanted
      if (!size.is_ok()) return size.status();
      if (*size > 0) return Status::corruption(path(kStateName) + " missing beside its log");
    }
    SegmentState fresh;
    fresh.segment = options_.segment;
    fresh.pg = options_.pg;
    AURORA_RETURN_IF_ERROR(write_state(fresh));
  } else {
    if (!state_file.is_ok()) return state_file.status();
    Result<std::uint64_t> size = fs.size(*state_file);
    Status s = size.is_ok() ? Status::ok() : size.status();
    std::vector<std::byte> bytes;
    if (s.is_ok() && *size > kSegmentStateFixedSize + kMaxAnnulled * kAnnulledEntrySize + 4) {
      s = Status::corruption("too large");
    }
    if (s.is_ok()) {
      bytes.resize(*size);
      s = read_exact(fs, *state_file, 0, bytes);
    }
    const Status closed = fs.close(*state_file);
    if (!s.is_ok()) return Status(s.kind(), path(kStateName) + ": " + s.message());
    AURORA_RETURN_IF_ERROR(closed);
    Result<SegmentState> st = decode_segment_state(bytes);
    if (!st.is_ok()) return Status::corruption(path(kStateName) + ": " + st.status().message());
    if (st->segment != options_.segment || st->pg != options_.pg) {
      return Status::corruption(path(kStateName) + ": names segment " +
                                std::to_string(st->segment) + " of PG " + std::to_string(st->pg));
    }
    state_ = std::move(*st);
  }

  Result<FileHandle> log = fs.open(path(kLogName), OpenMode::kCreate);
  if (!log.is_ok()) return log.status();
  log_ = *log;
  AURORA_RETURN_IF_ERROR(fs.sync_dir(options_.dir));
  Result<std::uint64_t> size = fs.size(log_);
  if (!size.is_ok()) return size.status();

  // The scan: frames until the first short or damaged one, which ends the log.
  std::vector<std::byte> buf;
  std::uint64_t at = 0;
  std::uint64_t read_to = 0;
  std::size_t used = 0;
  while (at < *size) {
    Result<DecodedSegmentRecord> d = decode_segment_record(std::span(buf).subspan(used));
    if (!d.is_ok() && read_to < *size && buf.size() - used < kSegmentRecordHeaderSize +
                                                                kMaxSegmentPayload) {
      // Maybe only short: read more before judging.
      buf.erase(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(used));
      used = 0;
      const std::size_t more = static_cast<std::size_t>(std::min<std::uint64_t>(
          kScanChunk + kSegmentRecordHeaderSize + kMaxSegmentPayload, *size - read_to));
      const std::size_t old = buf.size();
      buf.resize(old + more);
      AURORA_RETURN_IF_ERROR(read_exact(fs, log_, read_to, std::span(buf).subspan(old)));
      read_to += more;
      continue;
    }
    if (!d.is_ok()) break;
    if (!is_annulled(state_.annulled, d->record.meta.lsn, d->record.meta.epoch) &&
        !records_.contains(d->record.meta.lsn)) {
      index(d->record, at, static_cast<std::uint32_t>(d->size));
    }
    at += d->size;
    used += d->size;
  }
  Result<std::unique_ptr<PageImages>> images =
      PageImages::open(rt_, path(kImagesName), options_.page_size, state_.annulled);
  if (!images.is_ok()) return images.status();
  images_ = std::move(images).value();
  log_end_ = at;
  if (at < *size) {
    stats_.frames_cut = *size - at;
    suspect_ = true;
    AURORA_RETURN_IF_ERROR(fs.truncate(log_, at));
    AURORA_RETURN_IF_ERROR(fs.sync(log_));
    ++stats_.fsyncs;
  }
  return Status::ok();
}

Status Segment::write_state(const SegmentState& next) {
  FileSystem& fs = rt_.fs;
  const std::vector<std::byte> bytes = encode_segment_state(next);
  Result<FileHandle> f = fs.open(path(kStateTempName), OpenMode::kCreate);
  if (!f.is_ok()) return f.status();
  Status s = fs.truncate(*f, 0);
  fs.hint(*f, 0, bytes.size(), "segment.state");
  if (s.is_ok()) s = write_all(fs, *f, 0, bytes);
  if (s.is_ok()) {
    s = fs.sync(*f);
    if (!s.is_ok()) stop("state fsync failed: " + s.to_string());
  }
  const Status closed = fs.close(*f);
  AURORA_RETURN_IF_ERROR(s);
  AURORA_RETURN_IF_ERROR(closed);
  AURORA_RETURN_IF_ERROR(fs.rename(path(kStateTempName), path(kStateName)));
  if (Status d = fs.sync_dir(options_.dir); !d.is_ok()) {
    stop("directory fsync failed: " + d.to_string());
    return d;
  }
  ++stats_.fsyncs;
  state_ = next;
  return Status::ok();
}

void Segment::index(const SegmentRecord& r, std::uint64_t at, std::uint32_t size) {
  records_[r.meta.lsn] = Location{r.meta, at, size};
  pages_[r.meta.page].insert(r.meta.lsn);
  tracker_.add(r.meta.lsn, r.meta.prev);
}

Status Segment::sync_log() {
  Status s = rt_.fs.sync(log_);
  ++stats_.fsyncs;
  if (!s.is_ok()) stop("fsync failed: " + s.to_string());
  return s;
}

void Segment::stop(const std::string& why) {
  if (!stopped_.is_ok()) return;
  stopped_ = Status::stopped("segment " + std::to_string(options_.segment) + " stopped: " + why);
  rt_.events.emit("segment.stopped", {{"segment", options_.segment}, {"why", why}});
}

Status Segment::check_epochs(const Epochs& e, bool need_annulment) {
  if (!stopped_.is_ok()) return stopped_;
  if (e.volume < state_.volume_epoch || e.membership < state_.membership_epoch) {
    ++stats_.fenced;
    return Status::fenced("segment " + std::to_string(options_.segment) + " has seen epochs " +
                          std::to_string(state_.volume_epoch) + "/" +
                          std::to_string(state_.membership_epoch) + ", not " +
                          std::to_string(e.volume) + "/" + std::to_string(e.membership));
  }
  const Epoch applied = state_.annulled.empty() ? 0 : state_.annulled.back().epoch;
  if (need_annulment && e.volume != applied) {
    ++stats_.behind;
    return Status::busy("segment " + std::to_string(options_.segment) + " has not applied the " +
                        "annulment of epoch " + std::to_string(e.volume));
  }
  return Status::ok();
}

Result<Lsn> Segment::append(const Epochs& e, std::span<const SegmentRecord> records) {
  LockGuard lock(mu_, "segment");
  AURORA_RETURN_IF_ERROR(check_epochs(e, /*need_annulment=*/true));
  if (e.membership > state_.membership_epoch) {
    SegmentState next = state_;
    next.membership_epoch = e.membership;
    AURORA_RETURN_IF_ERROR(write_state(next));
  }
  std::vector<std::byte> frames;
  std::vector<std::pair<const SegmentRecord*, std::uint32_t>> fresh;
  for (const SegmentRecord& r : records) {
    if (r.meta.epoch > e.volume) return Status::invalid_argument("record of a newer epoch");
    if (records_.contains(r.meta.lsn) || is_annulled(state_.annulled, r.meta.lsn, r.meta.epoch) ||
        std::any_of(fresh.begin(), fresh.end(),
                    [&](const auto& f) { return f.first->meta.lsn == r.meta.lsn; })) {
      ++stats_.records_skipped;
      continue;
    }
    const std::size_t before = frames.size();
    encode_segment_record(r, frames);
    fresh.emplace_back(&r, static_cast<std::uint32_t>(frames.size() - before));
  }
  if (fresh.empty()) {
    accepted("append", e);
    return tracker_.scl();
  }
  const std::uint64_t base = log_end_;
  rt_.fs.hint(log_, base, frames.size(), "segment.record");
  AURORA_RETURN_IF_ERROR(write_all(rt_.fs, log_, base, frames));
  log_end_ = base + frames.size();
  rt_.crash_point("segment.written");
  AURORA_RETURN_IF_ERROR(sync_log());
  // Indexed only once durable: nothing unsynced is ever reported, served or acknowledged.
  std::uint64_t at = base;
  for (const auto& [r, size] : fresh) {
    index(*r, at, size);
    keep_frame(*r);
    at += size;
    ++stats_.records_written;
  }
  accepted("append", e);
  return tracker_.scl();
}

void Segment::accepted(std::string_view what, const Epochs& e) {
  rt_.events.emit("segment.accept", {{"segment", options_.segment},
                                     {"what", what},
                                     {"volume", e.volume},
                                     {"membership", e.membership}});
}

Result<SegmentReport> Segment::fence_and_report(const Epochs& e) {
  LockGuard lock(mu_, "segment");
  AURORA_RETURN_IF_ERROR(check_epochs(e, /*need_annulment=*/false));
  if (e.volume > state_.volume_epoch || e.membership > state_.membership_epoch) {
    SegmentState next = state_;
    next.volume_epoch = e.volume;
    next.membership_epoch = e.membership;
    AURORA_RETURN_IF_ERROR(write_state(next));  // durable before the answer: the fence holds
  }
  accepted("fence", e);
  SegmentReport report;
  report.segment = options_.segment;
  report.volume_epoch = state_.volume_epoch;
  report.annulled = state_.annulled;
  report.records = held();
  report.suspect = suspect_;
  return report;
}

Status Segment::annul(const Epochs& e, std::span<const AnnulledRange> annulled) {
  LockGuard lock(mu_, "segment");
  AURORA_RETURN_IF_ERROR(check_epochs(e, /*need_annulment=*/false));
  if (annulled.empty() || annulled.back().epoch != e.volume) {
    return Status::invalid_argument("an annulment list must end with its epoch's annulment");
  }
  SegmentState next = state_;
  next.volume_epoch = e.volume;
  next.membership_epoch = std::max(next.membership_epoch, e.membership);
  for (const AnnulledRange& r : annulled) {
    if (std::find(next.annulled.begin(), next.annulled.end(), r) == next.annulled.end()) {
      next.annulled.push_back(r);
    }
  }
  std::sort(next.annulled.begin(), next.annulled.end(),
            [](const AnnulledRange& a, const AnnulledRange& b) { return a.epoch < b.epoch; });
  for (std::size_t i = 1; i < next.annulled.size(); ++i) {
    if (next.annulled[i].epoch == next.annulled[i - 1].epoch) {
      return Status::invalid_argument("two annulments under epoch " +
                                      std::to_string(next.annulled[i].epoch));
    }
  }
  if (next != state_) {
    AURORA_RETURN_IF_ERROR(write_state(next));
    drop_annulled();
    drop_cache();  // materializations may hold annulled records now
    images_->forget(next.annulled);
    ++annulments_;
  }
  accepted("annul", e);
  return Status::ok();
}

void Segment::drop_annulled() {
  std::erase_if(records_, [&](const auto& entry) {
    const RecordMeta& m = entry.second.meta;
    if (!is_annulled(state_.annulled, m.lsn, m.epoch)) return false;
    auto it = pages_.find(m.page);
    it->second.erase(m.lsn);
    if (it->second.empty()) pages_.erase(it);
    return true;
  });
  // The chain is rebuilt from what is left: an annulment may cut it anywhere.
  tracker_ = SclTracker();
  for (const auto& [lsn, loc] : records_) tracker_.add(lsn, loc.meta.prev);
}

Result<SegmentRecord> Segment::read_frame(const Location& loc) {
  if (const auto it = frames_.find(loc.meta.lsn); it != frames_.end()) return it->second;
  std::vector<std::byte> buf(loc.size);
  AURORA_RETURN_IF_ERROR(read_exact(rt_.fs, log_, loc.at, buf));
  Result<DecodedSegmentRecord> d = decode_segment_record(buf);
  if (!d.is_ok() || d->record.meta != loc.meta) {
    // Damaged since it was written (a media fault): this segment no longer has the record.
    suspect_ = true;
    return Status::corruption(path(kLogName) + ": record " + std::to_string(loc.meta.lsn) +
                              " at offset " + std::to_string(loc.at) + " is damaged");
  }
  keep_frame(d->record);
  return std::move(d->record);
}

void Segment::keep_frame(const SegmentRecord& r) {
  if (frames_.contains(r.meta.lsn)) return;
  frame_bytes_ += r.bytes.size() + sizeof(SegmentRecord);
  frames_.emplace(r.meta.lsn, r);
  // Over the bound, the oldest records go first: reads and gossip want the recent ones.
  while (frame_bytes_ > kFrameCacheBytes && !frames_.empty()) {
    frame_bytes_ -= frames_.begin()->second.bytes.size() + sizeof(SegmentRecord);
    frames_.erase(frames_.begin());
  }
}

Result<std::vector<std::byte>> Segment::read(PageId page, Lsn at) {
  if (!stopped_.is_ok()) return stopped_;
  if (at > tracker_.scl()) {
    return Status::busy("segment " + std::to_string(options_.segment) + " SCL " +
                        std::to_string(tracker_.scl()) + " is below read point " +
                        std::to_string(at));
  }
  // Start from the newest materialization at or below `at` when one is cached: it holds
  // every record of the page up to its version (it was made at or below the SCL then, and a
  // record that arrives later is above that SCL; an annulment empties the cache).
  std::vector<std::byte> out(options_.page_size);
  Lsn from = kNoLsn;
  if (const auto c = cache_.find(page); c != cache_.end()) {
    if (auto v = c->second.upper_bound(at); v != c->second.begin()) {
      --v;
      out = v->second;
      from = v->first;
    }
  }
  const std::uint64_t annulments = annulments_;
  // Then the newest image on disk, when it is newer (the cache may have been dropped).
  if (std::optional<PageImages::Image> img = images_->newest_at(page, at);
      img && img->version > from && annulments == annulments_) {
    out = std::move(img->bytes);
    from = img->version;
  }
  // The locations first: the index may change while the reads below wait for the disk, but
  // a location, once durable, stays valid until the next open.
  std::vector<Location> versions;
  if (auto it = pages_.find(page); it != pages_.end()) {
    for (auto v = it->second.upper_bound(from); v != it->second.end() && *v <= at; ++v) {
      versions.push_back(records_.at(*v));
    }
  }
  for (const Location& loc : versions) {
    Result<SegmentRecord> r = read_frame(loc);
    if (!r.is_ok()) return r.status();
    if (std::uint64_t{r->offset} + r->bytes.size() > out.size()) {
      return Status::corruption("record " + std::to_string(loc.meta.lsn) + " overruns its page");
    }
    std::copy(r->bytes.begin(), r->bytes.end(), out.begin() + r->offset);
  }
  ++stats_.reads;
  stats_.frames_read_for_pages += versions.size();
  // A read that had to apply many records leaves its result for the reads near it, past
  // read points included: a read then applies about kCheckpointEvery records at most.
  if (annulments == annulments_ && versions.size() >= kCheckpointEvery) {
    const Lsn version = versions.back().meta.lsn;
    remember(page, version, out);
    const Epoch epoch = state_.annulled.empty() ? 0 : state_.annulled.back().epoch;
    images_->write(page, version, epoch, out).ignore();  // an optimization: reads go on
  }
  return out;
}

void Segment::remember(PageId page, Lsn version, const std::vector<std::byte>& bytes) {
  const std::size_t most = std::max<std::size_t>(1, kCacheBytes / options_.page_size);
  if (cached_ >= most && !cache_.empty()) {
    // Full: the first page's oldest materialization goes (any would do; this is determined).
    auto first = cache_.begin();
    first->second.erase(first->second.begin());
    --cached_;
    if (first->second.empty()) cache_.erase(first);
  }
  if (cache_[page].emplace(version, bytes).second) ++cached_;
}

Result<Segment::GossipAnswer> Segment::answer_gossip(const Epochs& e, Lsn above,
                                                     const std::set<Lsn>& have,
                                                     std::size_t limit) {
  if (!stopped_.is_ok()) return stopped_;
  GossipAnswer answer;
  answer.epochs = epochs();
  answer.suspect = suspect_;
  if (e.volume < state_.volume_epoch || e.membership < state_.membership_epoch) {
    answer.annulled = state_.annulled;  // the peer is behind: this is what it missed
    return answer;
  }
  AURORA_RETURN_IF_ERROR(check_epochs(e, /*need_annulment=*/true));
  std::vector<Location> want;
  for (auto it = records_.upper_bound(above); it != records_.end() && want.size() < limit;
       ++it) {
    if (!have.contains(it->first)) want.push_back(it->second);
  }
  for (const Location& loc : want) {
    Result<SegmentRecord> r = read_frame(loc);
    if (!r.is_ok()) return r.status();
    // Annulled while this call waited on the disk: not sent.
    if (is_annulled(state_.annulled, r->meta.lsn, r->meta.epoch)) continue;
    answer.records.push_back(std::move(*r));
  }
  return answer;
}

Result<Lsn> Segment::absorb_gossip(const GossipAnswer& answer) {
  const Epoch applied = state_.annulled.empty() ? 0 : state_.annulled.back().epoch;
  if (!answer.annulled.empty() && answer.annulled.back().epoch > applied) {
    const Epochs e{answer.annulled.back().epoch,
                   std::max(answer.epochs.membership, state_.membership_epoch)};
    AURORA_RETURN_IF_ERROR(annul(e, answer.annulled));
  }
  if (answer.records.empty()) return scl();
  return append(epochs(), answer.records);
}

std::set<Lsn> Segment::held_above_scl() const {
  std::set<Lsn> out;
  for (auto it = records_.upper_bound(tracker_.scl()); it != records_.end(); ++it) {
    out.insert(it->first);
  }
  return out;
}

std::vector<RecordMeta> Segment::held() const {
  std::vector<RecordMeta> out;
  out.reserve(records_.size());
  for (const auto& [lsn, loc] : records_) out.push_back(loc.meta);
  return out;
}

}  // namespace aurora::quorum
