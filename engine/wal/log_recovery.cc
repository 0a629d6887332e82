// Recovery (DESIGN.md section 3 "Recovery", invariants 1, 5, 7 and 10).
//
//  1. Scan the segments the control file lists, in LSN order. Records must follow one
//     another LSN by LSN (jumping over annulled ranges, whose end counts as a consistency
//     point: it is the previous recovery's truncation). The first record that is missing
//     or fails validation is the hole: VCL is the LSN before it, VDL the last CPL <= VCL.
//  2. Keep scanning past the hole for valid records, only to learn the highest durable
//     watermark any of them carries (vdl_hint), and the highest LSN on disk.
//  3. A hole at or below the highest persisted watermark (control file, sealed segments,
//     any record's vdl_hint) is corruption: reported, nothing annulled. A hole above it is
//     a torn tail: those records were never acknowledged. A GC floor above the recovered
//     VDL is corruption too: GC never raises the floor above a VDL it has.
//  4. Annul (VDL, VDL + LAL] — every LSN the last incarnation could have allocated — in a
//     new epoch, with a new segment for the LSNs after it, durably (control file) before
//     anything else happens. Then tidy up: cut the annulled tail off its segment, delete
//     segments wholly annulled and files no control file lists.
#include <algorithm>
#include <limits>

#include "engine/wal/log.h"

namespace aurora::wal {
namespace {

// The annulled range holding `lsn`, or null. The ranges are ascending and disjoint
// (decode_control refuses others), one more per recovery: a binary search, since the scan
// asks for every record (a linear one was most of a recovery after a thousand crashes).
const AnnulledRange* annulled_at(const ControlState& c, Lsn lsn) {
  const auto after = std::upper_bound(c.annulled.begin(), c.annulled.end(), lsn,
                                      [](Lsn l, const AnnulledRange& r) { return l < r.from; });
  if (after == c.annulled.begin()) return nullptr;
  const AnnulledRange& r = *std::prev(after);
  return lsn <= r.to ? &r : nullptr;
}

// The page's base below the GC floor (ControlState::bases, ascending page), or kNoLsn.
Lsn base_of(const ControlState& c, PageId page) {
  const auto it = std::lower_bound(c.bases.begin(), c.bases.end(), page,
                                   [](const PageBase& b, PageId p) { return b.page < p; });
  return it != c.bases.end() && it->page == page ? it->lsn : kNoLsn;
}

struct ScanState {
  Lsn expected = 1;      // the LSN the next record must carry
  Lsn last_cpl = 0;
  Lsn watermark = 0;
  Lsn max_lsn_seen = 0;  // highest LSN of any valid record, in or beyond the run
  bool hole = false;
  std::string hole_where;  // "segment S offset O: reason", for reports
  std::uint64_t accepted = 0;
  std::uint64_t beyond_hole = 0;
};

}  // namespace

Status Log::recover() {
  // The scan goes on after an annulled range at its end + 1 (normalize below): it must fit.
  for (const AnnulledRange& r : control_.annulled) {
    if (r.to > kMaxLsn) {
      return Status::corruption("the control file annuls LSNs up to " + std::to_string(r.to) +
                                ", above the highest LSN " + std::to_string(kMaxLsn));
    }
  }
  ScanState st;
  st.watermark = control_.durable_watermark;
  if (!control_.segments.empty()) st.expected = control_.segments.front().first_lsn;
  // Skipping an annulled range passes the previous recovery's consistency point.
  auto normalize = [&] {
    while (const AnnulledRange* r = annulled_at(control_, st.expected)) {
      st.expected = r->to + 1;
      if (!st.hole) st.last_cpl = r->to;
    }
  };
  normalize();
  // The log may start right after a range an earlier recovery annulled, with no record
  // since (that recovery dropped the segments below it): the range's end is the
  // consistency point the log is complete up to.
  if (st.expected > 1) {
    if (const AnnulledRange* r = annulled_at(control_, st.expected - 1); r && r->to == st.expected - 1) {
      st.last_cpl = r->to;
    }
  }

  // Ranges covered by sealed segments were fsynced before the seal was recorded.
  for (const SegmentInfo& info : control_.segments) {
    if (info.sealed) st.watermark = std::max(st.watermark, info.last_lsn);
  }

  for (const SegmentInfo& info : control_.segments) {
    auto seg = std::make_shared<Segment>();
    seg->info = info;
    const std::string path = segment_path(info);
    Result<FileHandle> f = rt_.fs.open(path, OpenMode::kOpenExisting);
    if (!f.is_ok()) {
      return Status(f.kind() == ErrorKind::kNotFound ? ErrorKind::kCorruption : f.kind(),
                    "listed segment " + path + " cannot be opened: " + f.status().to_string());
    }
    seg->handle = *f;
    Result<std::uint64_t> size = rt_.fs.size(*f);
    if (!size.is_ok()) return size.status();
    std::vector<std::byte> bytes(*size);
    AURORA_RETURN_IF_ERROR(read_exact(rt_.fs, *f, 0, bytes));
    seg->size = bytes.size();
    Result<SegmentHeader> header = decode_segment_header(bytes);
    if (!header.is_ok() || header->first_lsn != info.first_lsn || header->epoch != info.epoch) {
      // The header was fsynced before the control file listed the segment.
      return Status::corruption(path + ": segment header " +
                                (header.is_ok() ? "does not match the control file"
                                                : header.status().message()));
    }
    std::size_t pos = kSegmentHeaderSize;
    if (!st.hole && info.first_lsn != st.expected) {
      st.hole = true;
      st.hole_where = path + ": starts at LSN " + std::to_string(info.first_lsn) +
                      " but LSN " + std::to_string(st.expected) + " is missing before it";
    }
    while (!st.hole && pos < bytes.size()) {
      Result<DecodedRecord> rec = decode_record(std::span(bytes).subspan(pos));
      if (!rec.is_ok()) {
        st.hole = true;
        st.hole_where = path + " offset " + std::to_string(pos) + ": " + rec.status().message();
        break;
      }
      const RecordHeader& h = rec->header;
      if (h.lsn > kMaxLsn) {  // the scan's next expected LSN, h.lsn + 1, must fit
        return Status::corruption(path + ": record LSN " + std::to_string(h.lsn) +
                                  " is above the highest LSN " + std::to_string(kMaxLsn));
      }
      if (const AnnulledRange* r = annulled_at(control_, h.lsn)) {
        if (info.epoch >= r->epoch) {
          return Status::corruption(path + ": record " + std::to_string(h.lsn) +
                                    " lies in a range annulled by its own or an older epoch");
        }
        pos += rec->size;  // a record the previous recovery annulled: not part of the log
        continue;
      }
      if (h.lsn != st.expected) {
        st.hole = true;
        st.hole_where = path + " offset " + std::to_string(pos) + ": found LSN " +
                        std::to_string(h.lsn) + " where " + std::to_string(st.expected) +
                        " belongs";
        break;
      }
      seg->offsets.push_back(static_cast<std::uint32_t>(pos));
      // Every link is checked that can be: to the page's record before this one in the
      // scan, or, for a page's first record at or above the floor, to its base below it
      // (the first records the scan finds below the floor may link to collected ones).
      std::vector<Lsn>& versions = page_versions_[h.page];
      const bool checkable = !versions.empty() || h.lsn >= control_.gc_floor;
      const Lsn expected_prev = versions.empty() ? base_of(control_, h.page) : versions.back();
      if (checkable && h.prev_lsn != expected_prev) {
        return Status::corruption(path + ": record " + std::to_string(h.lsn) +
                                  " links to previous LSN " + std::to_string(h.prev_lsn) +
                                  " of page " + std::to_string(h.page) +
                                  ", which is not that page's previous record");
      }
      versions.push_back(h.lsn);
      st.watermark = std::max(st.watermark, h.vdl_hint);
      st.max_lsn_seen = std::max(st.max_lsn_seen, h.lsn);
      if (h.cpl) st.last_cpl = h.lsn;
      ++st.accepted;
      st.expected = h.lsn + 1;
      pos += rec->size;
      normalize();
    }
    if (st.hole) {
      // Past the hole: find every valid record (unsynced writes survive out of order)
      // for its watermark and LSN, trying each byte offset. Bounded by the segment size.
      for (std::size_t p = pos; p + kRecordHeaderSize <= bytes.size(); ++p) {
        Result<DecodedRecord> rec = decode_record(std::span(bytes).subspan(p));
        if (!rec.is_ok() || annulled_at(control_, rec->header.lsn) != nullptr) continue;
        st.watermark = std::max(st.watermark, rec->header.vdl_hint);
        st.max_lsn_seen = std::max(st.max_lsn_seen, rec->header.lsn);
        ++st.beyond_hole;
      }
    }
    segments_.push_back(std::move(seg));
  }

  const Lsn vcl = st.expected - 1;
  const Lsn vdl = st.last_cpl;
  recovery_.vcl_found = vcl;
  recovery_.vdl_found = vdl;
  recovery_.watermark = st.watermark;
  recovery_.records_recovered = st.accepted;
  recovery_.records_beyond_hole = st.beyond_hole;
  rt_.events.emit("recovery.scanned", {{"vcl", vcl}, {"vdl", vdl}, {"watermark", st.watermark},
                                       {"records", st.accepted}, {"beyond_hole", st.beyond_hole},
                                       {"hole", st.hole}});
  const std::string hole_note = st.hole ? " (hole at " + st.hole_where + ")" : "";
  // The GC floor is a watermark of its own: GC raises it only to a VDL it has (collect_below),
  // and from then on every read at or above it is served by the records at and above it and
  // by the images below it. A floor above the recovered VDL means records it relied on are
  // gone; opening would answer reads between the two from a log that does not reach them.
  if (control_.gc_floor > vdl) {
    return Status::corruption(
        "durable log data is missing or damaged: the control file's GC floor " +
        std::to_string(control_.gc_floor) + " is above the recovered VDL " + std::to_string(vdl) +
        hole_note);
  }
  if (st.watermark > vdl) {
    return Status::corruption(
        "durable log data is missing or damaged: a persisted watermark says LSN " +
        std::to_string(st.watermark) + " was durable, but the log is complete only to " +
        std::to_string(vcl) + hole_note);
  }

  // LSNs and epochs are 64-bit counts that never come near their end (a volume would need
  // centuries of appends, or of recoveries): bytes that say otherwise are corrupt. Accepted,
  // they made the annulment below wrap around (found by tests/fuzz/wal_recovery_fuzz.cc,
  // corpus/wal_recovery/regression-*-wraps): VDL + LAL overflowed into a range ending
  // below its start or starting at LSN 0, the next LSN or the new epoch became 0, and the
  // control file written next was one the next open refuses. The bound leaves the new
  // incarnation a whole allocation window above the annulment (log.h, "LSN arithmetic").
  const Lsn lal = options_.lal;
  if (vdl > highest_recoverable_vdl(lal)) {
    return Status::corruption("the recovered VDL " + std::to_string(vdl) +
                              " is too close to 2^64 for recovery to go on: with LAL " +
                              std::to_string(lal) + " it must be at most " +
                              std::to_string(highest_recoverable_vdl(lal)));
  }
  if (st.max_lsn_seen > highest_recoverable_lsn(lal)) {
    return Status::corruption("LSN " + std::to_string(st.max_lsn_seen) +
                              " on disk is too close to 2^64 for recovery to go on: with LAL " +
                              std::to_string(lal) + " LSNs must be at most " +
                              std::to_string(highest_recoverable_lsn(lal)));
  }
  if (control_.epoch == std::numeric_limits<Epoch>::max()) {
    return Status::corruption("epoch " + std::to_string(control_.epoch) +
                              " is too close to 2^64 for recovery to go on");
  }

  // Every annulled range ends at or below the recovered VDL: the recovery that annulled it
  // made its end the VDL (and the durable watermark) before any LSN above it. A range above
  // means the log lost what followed it; and appending this recovery's range after it wrote
  // ranges out of order, a control file the next open refused (found by
  // tests/fuzz/wal_recovery_fuzz.cc: corpus/wal_recovery/regression-annulled-above-vdl).
  if (!control_.annulled.empty() && control_.annulled.back().to > vdl) {
    return Status::corruption(std::string("the control file annuls LSNs up to ")
                                  .append(std::to_string(control_.annulled.back().to))
                                  .append(", above the recovered VDL ")
                                  .append(std::to_string(vdl)));
  }

  // Drop the versions of records above VDL (an incomplete MTR at the tail), and those below
  // the GC floor that share a segment with records above it: GC collects whole segments,
  // but what lies below the floor is served from page images, as before the crash. Each
  // page's base (its newest version below the floor, which the control file remembers)
  // stays in front: the page's next record links to it, and a read that needs it without
  // its image is corruption, not an empty page.
  for (auto it = page_versions_.begin(); it != page_versions_.end();) {
    auto& v = it->second;
    v.erase(std::upper_bound(v.begin(), v.end(), vdl), v.end());
    const auto above = std::lower_bound(v.begin(), v.end(), control_.gc_floor);
    if (above != v.begin() && *std::prev(above) != base_of(control_, it->first)) {
      // The scan reached the page's base itself: GC recorded the newest version it knew.
      return Status::corruption("page " + std::to_string(it->first) + ": its newest record below "
                                "the GC floor is " + std::to_string(*std::prev(above)) +
                                ", but the control file says its base is " +
                                std::to_string(base_of(control_, it->first)));
    }
    v.erase(v.begin(), above);
    it = v.empty() ? page_versions_.erase(it) : std::next(it);
  }
  for (const PageBase& base : control_.bases) {
    // Below the floor (the decoder checks), which is at or below VDL (checked above).
    AURORA_ASSERT(base.lsn < vdl, "a page base above the recovered VDL passed the floor check");
    std::vector<Lsn>& v = page_versions_[base.page];
    v.insert(v.begin(), base.lsn);
  }

  // Annul (VDL, VDL + LAL] in a new epoch; new LSNs start above it. No sum here overflows:
  // VDL + LAL, the annulment's end and the next LSN are at most kMaxLsn - LAL + 1 (above).
  const Lsn annul_to = std::max(vdl + options_.lal, st.max_lsn_seen);
  const AnnulledRange range{vdl + 1, annul_to, control_.epoch + 1};
  control_.epoch = range.epoch;
  control_.annulled.push_back(range);
  recovery_.annulled = range;
  recovery_.torn_tail = st.hole || vcl > vdl;
  recovery_.epoch = control_.epoch;

  // Segments: keep those holding records <= VDL; the last of them is sealed at VDL.
  std::vector<std::shared_ptr<Segment>> kept;
  control_.segments.clear();
  for (auto& seg : segments_) {
    const std::size_t keep =
        seg->info.first_lsn > vdl
            ? 0
            : std::min<std::size_t>(seg->offsets.size(), vdl - seg->info.first_lsn + 1);
    if (keep == 0) {
      // Wholly annulled: unlisted below, so the sweep of unlisted files deletes it. That is
      // also a segment that starts at or below VDL but holds no record of the recovered log
      // (the control file says it starts inside an annulled range): sealed, it would say
      // last_lsn = first_lsn - 1, a control file the next open refused (found by
      // tests/fuzz/wal_recovery_fuzz.cc: corpus/wal_recovery/regression-empty-kept-segment).
      if (seg->handle.valid()) rt_.fs.close(seg->handle).ignore();
      continue;
    }
    seg->offsets.resize(keep);
    seg->info.sealed = true;
    seg->info.last_lsn = seg->info.first_lsn + keep - 1;
    control_.segments.push_back(seg->info);
    kept.push_back(std::move(seg));
  }
  segments_ = std::move(kept);
  vcl_ = vdl_ = annul_to;  // the annulment is the new consistency point
  next_lsn_ = annul_to + 1;
  AURORA_RETURN_IF_ERROR(open_new_segment(next_lsn_));
  // From the control file's rename on, the annulment may be durable (a crash before its
  // directory's fsync may keep it or not): said before the control file is written, so that
  // whoever watches knows the next recovery may end on its end.
  rt_.events.emit("recovery.annulling",
                  {{"from", range.from}, {"to", range.to}, {"epoch", range.epoch},
                   {"watermark", st.watermark}});
  // The commit point of recovery: from here on the annulment is durable.
  AURORA_RETURN_IF_ERROR(persist_control());
  rt_.events.emit("recovery.annulled",
                  {{"from", range.from}, {"to", range.to}, {"epoch", range.epoch},
                   {"torn_tail", recovery_.torn_tail}, {"watermark", st.watermark}});
  rt_.crash_point("recovery.annulled");  // durable annulment, files not yet tidied

  // Tidying; a crash from here on leaves nothing recovery cannot handle again. Cut the
  // bytes after the last kept record (annulled or torn) off each kept hot segment.
  for (std::size_t i = 0; i + 1 < segments_.size(); ++i) {
    Segment& seg = *segments_[i];
    if (seg.info.tier != Tier::kHot || !seg.handle.valid()) continue;
    std::uint64_t end = kSegmentHeaderSize;
    if (!seg.offsets.empty()) {
      std::vector<std::byte> header(kRecordHeaderSize);
      AURORA_RETURN_IF_ERROR(read_exact(rt_.fs, seg.handle, seg.offsets.back(), header));
      Result<RecordHeader> h = decode_record_header(header);
      if (!h.is_ok()) return h.status();
      end = seg.offsets.back() + encoded_record_size(h->length);
    }
    if (end < seg.size) {
      AURORA_RETURN_IF_ERROR(rt_.fs.truncate(seg.handle, end));
      AURORA_RETURN_IF_ERROR(rt_.fs.sync(seg.handle));
      seg.size = end;
    }
  }
  // Files no control file lists: segments of an interrupted rotation, or wholly annulled.
  std::vector<std::string> listed;
  for (const auto& seg : segments_) listed.push_back(segment_path(seg->info));
  for (const char* tier_dir : {"/wal", "/cold"}) {
    const std::string dir = options_.dir + tier_dir;
    Result<std::vector<std::string>> names = rt_.fs.list(dir);
    if (!names.is_ok()) return names.status();
    bool removed = false;
    for (const std::string& name : *names) {
      const std::string path = dir + "/" + name;
      if (std::find(listed.begin(), listed.end(), path) != listed.end()) continue;
      AURORA_RETURN_IF_ERROR(rt_.fs.unlink(path));  // unlisted: never committed, or annulled
      removed = true;
    }
    if (removed) AURORA_RETURN_IF_ERROR(rt_.fs.sync_dir(dir));
  }
  emit_state("recovery.done");
  return Status::ok();
}

}  // namespace aurora::wal
