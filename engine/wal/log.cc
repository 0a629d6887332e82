#include "engine/wal/log.h"

#include <algorithm>
#include <cstdio>

namespace aurora::wal {

std::string_view durability_name(Durability d) {
  switch (d) {
    case Durability::kEveryCommit: return "every-commit";
    case Durability::kGroup: return "group";
    case Durability::kInterval: return "interval";
    case Durability::kManual: return "manual";
  }
  return "?";
}

std::optional<Durability> parse_durability(std::string_view s) {
  for (Durability d : {Durability::kEveryCommit, Durability::kGroup, Durability::kInterval,
                       Durability::kManual}) {
    if (durability_name(d) == s) return d;
  }
  return std::nullopt;
}

Log::Log(Runtime rt, LogOptions options)
    : rt_(rt), options_(std::move(options)), control_mutex_(rt.sched) {}

Log::~Log() {
  stop(Status::stopped("log closed"));
  // The writer references this object: it must not run again once we are gone.
  if (writer_ != 0) rt_.sched.kill(writer_);
  for (auto& seg : segments_) {
    // Closing only releases the handle; nothing here makes anything durable.
    if (seg->handle.valid()) rt_.fs.close(seg->handle).ignore();
  }
}

std::string Log::segment_path(const SegmentInfo& info) const {
  char name[64];
  std::snprintf(name, sizeof name, "%020llu-%06llu.seg",
                static_cast<unsigned long long>(info.first_lsn),
                static_cast<unsigned long long>(info.epoch));
  return options_.dir + (info.tier == Tier::kCold ? "/cold/" : "/wal/") + name;
}

Result<std::unique_ptr<Log>> Log::open(Runtime rt, LogOptions options) {
  // LAL bounds the LSN arithmetic (log.h, "LSN arithmetic near 2^64").
  AURORA_ASSERT(options.lal >= 1 && options.lal <= kMaxLal, "LSN allocation limit out of range");
  AURORA_ASSERT(options.segment_bytes > kSegmentHeaderSize, "bad log options");
  std::unique_ptr<Log> log(new Log(rt, std::move(options)));
  Result<ControlState> control = read_control_file(rt.fs, log->options_.dir);
  Status s;
  if (control.is_ok()) {
    log->control_ = *control;
    s = log->recover();
  } else if (control.kind() == ErrorKind::kNotFound) {
    s = log->refuse_log_without_control();
    if (s.is_ok()) s = log->create_volume();
  } else {
    s = control.status();
  }
  if (!s.is_ok()) {
    rt.events.emit("recovery.failed", {{"error", std::string_view(s.to_string())}});
    log->stopped_ = true;  // never started a writer; nothing to stop
    return s;
  }
  Log* raw = log.get();
  log->writer_ = rt.spawn("wal.writer", [raw] { raw->writer_loop(); }, /*daemon=*/true);
  return log;
}

// --- a new volume ----------------------------------------------------------------------

// No CONTROL means a new volume only when no segment holds a record: records are written
// only to segments a durable control file lists, and an interrupted creation leaves at most
// a first segment holding its header. Segments with records and no control file are a
// volume whose control file was lost (deleted, or never renamed back): creating a new one
// over them would lose every acknowledged MTR without a word.
Status Log::refuse_log_without_control() {
  for (const char* tier_dir : {"/wal", "/cold"}) {
    const std::string dir = options_.dir + tier_dir;
    Result<std::vector<std::string>> names = rt_.fs.list(dir);
    if (names.kind() == ErrorKind::kNotFound) continue;
    if (!names.is_ok()) return names.status();
    for (const std::string& name : *names) {
      Result<FileHandle> f = rt_.fs.open(dir + "/" + name, OpenMode::kOpenExisting);
      if (!f.is_ok()) return f.status();
      Result<std::uint64_t> size = rt_.fs.size(*f);
      rt_.fs.close(*f).ignore();  // only its size was wanted
      if (!size.is_ok()) return size.status();
      if (*size > kSegmentHeaderSize) {
        return Status::corruption("no control file in " + options_.dir + ", but " + dir + "/" +
                                  name + " holds " + std::to_string(*size) +
                                  " bytes of log: the volume's control file is lost");
      }
    }
  }
  return Status::ok();
}

Status Log::create_volume() {
  // No CONTROL: nothing was ever acknowledged (the first segment is only used after the
  // control file listing it is durable), so an interrupted creation simply starts over.
  AURORA_RETURN_IF_ERROR(ensure_dir(rt_.fs, options_.dir));
  AURORA_RETURN_IF_ERROR(rt_.fs.sync_dir(parent_dir(options_.dir)));
  AURORA_RETURN_IF_ERROR(ensure_dir(rt_.fs, options_.dir + "/wal"));
  AURORA_RETURN_IF_ERROR(ensure_dir(rt_.fs, options_.dir + "/cold"));
  AURORA_RETURN_IF_ERROR(rt_.fs.sync_dir(options_.dir));
  control_ = ControlState{.epoch = 1};
  AURORA_RETURN_IF_ERROR(open_new_segment(1));
  AURORA_RETURN_IF_ERROR(persist_control());
  recovery_ = RecoveryReport{.fresh = true, .epoch = 1};
  next_lsn_ = 1;
  rt_.events.emit("recovery.fresh_volume", {{"epoch", control_.epoch}});
  return Status::ok();
}

// Creates the segment file (header fsynced, directory fsynced) and makes it current. The
// caller lists it in the control file before any record goes into it.
Status Log::open_new_segment(Lsn first_lsn) {
  auto seg = std::make_shared<Segment>();
  seg->info = SegmentInfo{.first_lsn = first_lsn, .epoch = control_.epoch};
  const std::string path = segment_path(seg->info);
  Result<FileHandle> f = rt_.fs.open(path, OpenMode::kCreate);
  if (!f.is_ok()) return f.status();
  seg->handle = *f;
  std::array<std::byte, kSegmentHeaderSize> header;
  encode_segment_header({first_lsn, control_.epoch}, header);
  Status s = rt_.fs.truncate(*f, 0);  // a leftover file of an interrupted attempt
  rt_.fs.hint(*f, 0, header.size(), "wal.segment_header");
  if (s.is_ok()) s = write_all(rt_.fs, *f, 0, header);
  if (s.is_ok()) s = rt_.fs.sync(*f);
  if (s.is_ok()) rt_.crash_point("wal.segment_synced");  // its data durable, its name not
  if (s.is_ok()) s = rt_.fs.sync_dir(options_.dir + "/wal");
  if (!s.is_ok()) {
    rt_.fs.close(*f).ignore();  // the handle is useless now; the error is what matters
    return s;
  }
  seg->size = kSegmentHeaderSize;
  control_.segments.push_back(seg->info);
  segments_.push_back(std::move(seg));
  return Status::ok();
}

Status Log::persist_control() {
  control_.durable_watermark = std::max(control_.durable_watermark, vdl_);
  const Status s = write_control_file(rt_.fs, options_.dir, control_,
                                      [this] { rt_.crash_point("control.renamed"); });
  if (s.is_ok()) persisted_watermark_ = control_.durable_watermark;
  return s;
}

Status Log::persist_watermark_for_allocation() {
  LockGuard lock(control_mutex_, "control file");
  if (persisted_watermark_ >= vdl_) return Status::ok();  // another append did it meanwhile
  AURORA_RETURN_IF_ERROR(persist_control());
  rt_.events.emit("wal.watermark_persisted",
                  {{"watermark", persisted_watermark_}, {"next", next_lsn_}});
  rt_.crash_point("wal.watermark_persisted");  // before the room it made is used
  return Status::ok();
}

void Log::emit_state(std::string_view kind) {
  rt_.events.emit(kind, {{"vcl", vcl_}, {"vdl", vdl_}, {"next", next_lsn_}, {"epoch", control_.epoch}});
}

// --- appending ---------------------------------------------------------------------------

Result<Lsn> Log::append(std::span<const Redo> mtr) {
  AURORA_ASSERT(!mtr.empty(), "an MTR needs at least one record");
  const auto n = static_cast<Lsn>(mtr.size());
  AURORA_ASSERT(n <= options_.lal, "an MTR larger than the LSN allocation limit can never fit");
  // LAL: the last LSN of this MTR must stay within VDL + LAL (DESIGN.md invariant 2), and
  // within the persisted watermark + LAL, a VDL that the control file holds (log.h,
  // "Allocation and recovery"). The checks compare room left, never sums, which could pass
  // 2^64 (log.h, "LSN arithmetic").
  for (;;) {
    if (stopped_) return Status::stopped("log stopped: " + stop_reason_.to_string());
    const Lsn highest = highest_allocated();
    if (n > kMaxLsn - highest) {
      return Status::out_of_range("the LSN space is used up: " + std::to_string(n) +
                                  " more LSNs after " + std::to_string(highest) +
                                  " would pass the highest LSN " + std::to_string(kMaxLsn));
    }
    // Every allocation kept its LSNs within the persisted watermark + LAL, and both the
    // watermark and VDL (at or above it) only grow since.
    AURORA_ASSERT(persisted_watermark_ <= vdl_ && vdl_ <= highest &&
                      highest - persisted_watermark_ <= options_.lal,
                  "allocated past the persisted watermark + LAL");
    if (n <= options_.lal - (highest - persisted_watermark_)) break;
    if (persisted_watermark_ < vdl_) {
      // VDL moved on since the control file last recorded it: record it, which makes room.
      if (Status s = persist_watermark_for_allocation(); !s.is_ok()) {
        stop(s);
        return s;
      }
      continue;
    }
    ++stats_.lal_waits;
    rt_.events.emit("wal.lal_wait", {{"next", next_lsn_}, {"vdl", vdl_}});
    // Allocated up to the limit: recovery must annul through every LSN handed out.
    rt_.crash_point("wal.lal_wait");
    ++lal_waiters_;
    writer_wakeup_.notify_all(rt_.sched);
    vdl_waiters_.wait(rt_.sched, "LSN allocation limit");
    --lal_waiters_;
  }
  if (pending_.empty()) {
    pending_first_ = next_lsn_;
    pending_since_ = rt_.clock.now();
  }
  Lsn lsn = 0;
  for (std::size_t i = 0; i < mtr.size(); ++i) {
    const Redo& r = mtr[i];
    lsn = next_lsn_++;
    std::vector<Lsn>& versions = page_versions_[r.page];
    RecordHeader h{.lsn = lsn,
                   .prev_lsn = versions.empty() ? kNoLsn : versions.back(),
                   .page = r.page,
                   .page_offset = r.offset,
                   .length = static_cast<std::uint32_t>(r.bytes.size()),
                   .cpl = i + 1 == mtr.size(),
                   .vdl_hint = vdl_};
    pending_offsets_.push_back(static_cast<std::uint32_t>(pending_.size()));
    encode_record(h, r.bytes, pending_);
    versions.push_back(lsn);
    rt_.events.emit("wal.record", {{"lsn", lsn}, {"page", r.page}, {"prev", h.prev_lsn},
                                   {"offset", r.offset}, {"len", h.length}, {"cpl", h.cpl}});
  }
  pending_last_cpl_ = lsn;
  stats_.records_appended += mtr.size();
  ++stats_.mtrs_appended;
  rt_.events.emit("wal.append", {{"first", lsn - n + 1}, {"cpl", lsn}, {"records", n}});
  if (options_.durability != Durability::kManual) writer_wakeup_.notify_all(rt_.sched);
  return lsn;
}

Status Log::wait_durable(Lsn lsn) {
  while (vdl_ < lsn && !stopped_) vdl_waiters_.wait(rt_.sched, "VDL");
  if (vdl_ >= lsn) return Status::ok();
  return Status::stopped("log stopped before LSN " + std::to_string(lsn) +
                         " was durable: " + stop_reason_.to_string());
}

Status Log::sync() {
  if (stopped_) return Status::stopped("log stopped: " + stop_reason_.to_string());
  const Lsn target = next_lsn_ - 1;
  sync_requested_ = true;
  writer_wakeup_.notify_all(rt_.sched);
  return wait_durable(target);
}

void Log::stop(Status why) {
  if (stopped_) return;
  stopped_ = true;
  stop_reason_ = std::move(why);
  rt_.events.emit("wal.stopped", {{"reason", std::string_view(stop_reason_.to_string())}});
  writer_wakeup_.notify_all(rt_.sched);
  vdl_waiters_.notify_all(rt_.sched);
}

// --- the writer fiber --------------------------------------------------------------------

bool Log::flush_due() const {
  if (pending_.empty()) return false;
  if (sync_requested_ || lal_waiters_ > 0) return true;
  switch (options_.durability) {
    case Durability::kEveryCommit: return true;
    case Durability::kGroup:
      return pending_offsets_.size() >= options_.group_max_records ||
             rt_.clock.now() >= pending_since_ + options_.group_max_delay;
    case Durability::kInterval: return rt_.clock.now() >= pending_since_ + options_.interval;
    case Durability::kManual: return false;
  }
  return false;
}

void Log::writer_loop() {
  while (!stopped_) {
    if (!flush_due()) {
      Nanos deadline = Scheduler::kNoDeadline;
      if (!pending_.empty() && options_.durability == Durability::kGroup) {
        deadline = pending_since_ + options_.group_max_delay;
      } else if (!pending_.empty() && options_.durability == Durability::kInterval) {
        deadline = pending_since_ + options_.interval;
      }
      (void)writer_wakeup_.wait(rt_.sched, "work for the log writer", deadline);
      continue;
    }
    const Status s = flush_batch();
    if (!s.is_ok()) stop(s);
  }
  writer_ = 0;
}

Status Log::flush_batch() {
  // Take the batch; appends made while it is written and fsynced form the next one.
  std::vector<std::byte> bytes = std::move(pending_);
  std::vector<std::uint32_t> offsets = std::move(pending_offsets_);
  pending_.clear();
  pending_offsets_.clear();
  const Lsn first = pending_first_;
  const Lsn last = first + offsets.size() - 1;
  const Lsn last_cpl = pending_last_cpl_;
  sync_requested_ = false;

  Segment* seg = segments_.back().get();
  if (seg->size + bytes.size() > options_.segment_bytes && !seg->offsets.empty()) {
    AURORA_RETURN_IF_ERROR(rotate());
    seg = segments_.back().get();
  }
  if (seg->offsets.empty()) {
    // A segment's records start at its first LSN (a fresh one may have been created for a
    // first LSN that the batch starts at; anything else is a bug).
    AURORA_ASSERT(seg->info.first_lsn == first, "segment and batch disagree on the first LSN");
  }
  const std::uint64_t base = seg->size;
  for (std::size_t i = 0; i < offsets.size(); ++i) {
    const std::uint64_t end = i + 1 < offsets.size() ? offsets[i + 1] : bytes.size();
    rt_.fs.hint(seg->handle, base + offsets[i], end - offsets[i], "wal.record");
  }
  AURORA_RETURN_IF_ERROR(write_batch(*seg, base, bytes));
  // Written, not durable: a crash keeps any part of the batch (per the crash mode), so an
  // MTR may be durable in part.
  rt_.crash_point("wal.batch_written");
  ++stats_.fsyncs;
  const Nanos fsync_start = rt_.clock.now();
  const Status synced = rt_.fs.sync(seg->handle);
  stats_.fsync_ns.record(static_cast<std::uint64_t>(rt_.clock.now() - fsync_start));
  if (!synced.is_ok()) {
    // Never retried: the failed fsync may have dropped these writes, and a later fsync
    // returning OK would prove nothing (DESIGN.md invariant 11).
    rt_.events.emit("wal.fsync_failed", {{"first", first}, {"last", last}});
    return Status(synced.kind(), "fsync of the log failed: " + synced.message());
  }
  // Durable, not yet acknowledged: recovery must find all of it.
  rt_.crash_point("wal.batch_synced");
  seg->size = base + bytes.size();
  for (std::uint32_t off : offsets) seg->offsets.push_back(static_cast<std::uint32_t>(base + off));
  ++stats_.batches;
  stats_.batch_records.record(offsets.size());
  stats_.bytes_written += bytes.size();
  vcl_ = last;
  vdl_ = last_cpl;  // batches always end on a CPL: appends add whole MTRs
  rt_.events.emit("wal.flush", {{"first", first}, {"last", last}, {"bytes", bytes.size()},
                                {"vcl", vcl_}, {"vdl", vdl_}});
  // Published: what waiters and readers see from now on (next: the first LSN not yet
  // allocated, so appends made during the fsync show as the span above VCL).
  rt_.events.emit("wal.durable", {{"vcl", vcl_}, {"vdl", vdl_}, {"next", next_lsn_}});
  vdl_waiters_.notify_all(rt_.sched);
  return Status::ok();
}

// Writes the whole batch at `offset`. A failed or short write is retried with the same
// bytes at the same offset, so whatever the device did, the next attempt overwrites it
// and no later record can ever sit behind a gap.
Status Log::write_batch(Segment& seg, std::uint64_t offset, std::span<const std::byte> bytes) {
  Status s;
  for (int attempt = 0; attempt < options_.write_attempts; ++attempt) {
    s = write_all(rt_.fs, seg.handle, offset, bytes);
    if (s.is_ok()) return s;
    ++stats_.write_retries;
    rt_.events.emit("wal.write_retry", {{"attempt", attempt + 1},
                                        {"error", std::string_view(s.to_string())}});
    rt_.clock.sleep_for(kMillisecond);
  }
  return Status(s.kind(), "log write failed " + std::to_string(options_.write_attempts) +
                              " times: " + s.message());
}

// Seals the current segment and starts the next one. The new file is durable and listed
// in a durable control file before any record is written to it.
Status Log::rotate() {
  LockGuard lock(control_mutex_, "control file");
  Segment& old = *segments_.back();
  old.info.sealed = true;
  old.info.last_lsn = old.info.first_lsn + old.offsets.size() - 1;
  control_.segments.back() = old.info;
  // last + 1 is the first LSN of the batch being flushed: allocated, so at most kMaxLsn.
  AURORA_RETURN_IF_ERROR(open_new_segment(old.info.last_lsn + 1));
  AURORA_RETURN_IF_ERROR(persist_control());
  rt_.crash_point("wal.rotated");  // the new segment listed, nothing in it yet
  ++stats_.rotations;
  rt_.events.emit("wal.rotate", {{"sealed_last", old.info.last_lsn},
                                 {"next_first", old.info.last_lsn + 1}});
  return Status::ok();
}

// --- reading -----------------------------------------------------------------------------

const std::vector<Lsn>* Log::versions(PageId page) const {
  auto it = page_versions_.find(page);
  return it == page_versions_.end() ? nullptr : &it->second;
}

Lsn Log::newest_version_at(PageId page, Lsn at) const {
  const std::vector<Lsn>* v = versions(page);
  if (v == nullptr) return kNoLsn;
  auto it = std::upper_bound(v->begin(), v->end(), at);
  return it == v->begin() ? kNoLsn : *std::prev(it);
}

std::vector<PageId> Log::pages() const {
  std::vector<PageId> out;
  for (const auto& [page, v] : page_versions_) out.push_back(page);
  return out;
}

std::shared_ptr<Log::Segment> Log::segment_for(Lsn lsn) {
  auto it = std::upper_bound(segments_.begin(), segments_.end(), lsn,
                             [](Lsn l, const auto& seg) { return l < seg->info.first_lsn; });
  if (it == segments_.begin()) return nullptr;
  const std::shared_ptr<Segment>& seg = *std::prev(it);
  return lsn - seg->info.first_lsn < seg->offsets.size() ? seg : nullptr;
}

// GC and tiering run in another fiber and may drop or move the segment whenever this one
// yields. So every check is made again after each yield, and a failed read is tried again
// when the layout changed under it: it then finds the record's new place, or that the record
// fell below the GC floor (kOutOfRange), never another record's bytes.
Result<Log::OwnedRecord> Log::read_record(Lsn lsn) {
  bool paid_cold_latency = false;
  for (;;) {
    if (lsn > vcl_) {
      return Status::invalid_argument("LSN " + std::to_string(lsn) + " is not durable");
    }
    if (lsn < control_.gc_floor) {
      return Status::out_of_range("LSN " + std::to_string(lsn) + " is below the GC floor " +
                                  std::to_string(control_.gc_floor));
    }
    const std::shared_ptr<Segment> seg = segment_for(lsn);
    if (seg == nullptr) return Status::not_found("no segment holds LSN " + std::to_string(lsn));
    const std::uint64_t layout = layout_version_;
    if (seg->info.tier == Tier::kCold && !paid_cold_latency) {
      ++stats_.cold_reads;
      rt_.clock.sleep_for(options_.cold_read_latency);
      paid_cold_latency = true;
      continue;
    }
    if (!seg->handle.valid()) {
      const std::string path = segment_path(seg->info);
      Result<FileHandle> f = rt_.fs.open(path, OpenMode::kOpenExisting);
      if (!f.is_ok() && layout_version_ != layout) continue;
      if (!f.is_ok()) return f.status();
      if (layout_version_ != layout || seg->handle.valid()) {
        rt_.fs.close(*f).ignore();  // moved meanwhile, or another reader opened it first
        continue;
      }
      seg->handle = *f;
    }
    const std::size_t index = lsn - seg->info.first_lsn;
    const std::uint64_t begin = seg->offsets[index];
    const std::uint64_t end = index + 1 < seg->offsets.size() ? seg->offsets[index + 1] : seg->size;
    std::vector<std::byte> bytes(end - begin);
    ++stats_.record_reads;
    const Status read = read_exact(rt_.fs, seg->handle, begin, bytes);
    if (!read.is_ok() && layout_version_ != layout) continue;
    AURORA_RETURN_IF_ERROR(read);
    return decode_read_record(lsn, *seg, bytes);
  }
}

Result<Log::OwnedRecord> Log::decode_read_record(Lsn lsn, const Segment& seg,
                                                 std::span<const std::byte> bytes) const {
  Result<DecodedRecord> rec = decode_record(bytes);
  if (!rec.is_ok()) {
    return Status::corruption("record " + std::to_string(lsn) + " in " + segment_path(seg.info) +
                              ": " + rec.status().message());
  }
  if (rec->header.lsn != lsn) {
    return Status::corruption("record at the place of LSN " + std::to_string(lsn) + " has LSN " +
                              std::to_string(rec->header.lsn) + " (misdirected write?)");
  }
  return OwnedRecord{rec->header, {rec->payload.begin(), rec->payload.end()}};
}

}  // namespace aurora::wal
