// Moving sealed segments to the cold tier, and collecting segments below the GC floor.
// Both change which files hold the log, so both go through the control file: the new
// state is durable before any old file disappears.
#include <algorithm>
#include <iterator>
#include <utility>

#include "engine/wal/log.h"

namespace aurora::wal {

Result<std::size_t> Log::tier_sealed_segments(Lsn below) {
  if (stopped_) return Status::stopped("log stopped: " + stop_reason_.to_string());
  std::size_t moved = 0;
  // Never the last (current) segment: records are still being appended to it.
  for (std::size_t i = 0; i + 1 < segments_.size(); ++i) {
    Segment& seg = *segments_[i];
    if (!seg.info.sealed || seg.info.tier != Tier::kHot || seg.info.last_lsn >= below) continue;
    const std::string hot_path = segment_path(seg.info);
    SegmentInfo cold_info = seg.info;
    cold_info.tier = Tier::kCold;
    const std::string cold_path = segment_path(cold_info);
    // 1. A durable copy in the cold directory (an orphan until step 2, swept by recovery).
    if (!seg.handle.valid()) {
      Result<FileHandle> f = rt_.fs.open(hot_path, OpenMode::kOpenExisting);
      if (!f.is_ok()) return f.status();
      seg.handle = *f;
    }
    std::vector<std::byte> bytes(seg.size);
    AURORA_RETURN_IF_ERROR(read_exact(rt_.fs, seg.handle, 0, bytes));
    Result<FileHandle> cold = rt_.fs.open(cold_path, OpenMode::kCreate);
    if (!cold.is_ok()) return cold.status();
    Status s = rt_.fs.truncate(*cold, 0);
    if (s.is_ok()) s = write_all(rt_.fs, *cold, 0, bytes);
    if (s.is_ok()) s = rt_.fs.sync(*cold);
    if (s.is_ok()) s = rt_.fs.sync_dir(options_.dir + "/cold");
    if (!s.is_ok()) {
      rt_.fs.close(*cold).ignore();  // the copy is abandoned; recovery sweeps it
      return s;
    }
    rt_.crash_point("tier.copied");  // a durable cold copy the control file does not list
    // 2. The control file switches the segment to the cold tier: the commit point.
    LockGuard lock(control_mutex_, "control file");
    const auto entry = std::find(control_.segments.begin(), control_.segments.end(), seg.info);
    AURORA_ASSERT(entry != control_.segments.end(), "segment missing from the control state");
    entry->tier = Tier::kCold;
    s = persist_control();
    if (!s.is_ok()) {
      entry->tier = Tier::kHot;
      rt_.fs.close(*cold).ignore();
      return s;
    }
    const FileHandle hot = seg.handle;  // no longer the segment: closed once swapped
    seg.info = cold_info;
    seg.handle = *cold;
    ++layout_version_;
    rt_.fs.close(hot).ignore();
    rt_.crash_point("tier.switched");  // listed cold, the hot copy still there
    // 3. The hot copy goes (an orphan if we crash first, swept by recovery).
    AURORA_RETURN_IF_ERROR(rt_.fs.unlink(hot_path));
    AURORA_RETURN_IF_ERROR(rt_.fs.sync_dir(options_.dir + "/wal"));
    rt_.events.emit("wal.tiered", {{"first", seg.info.first_lsn}, {"last", seg.info.last_lsn}});
    ++moved;
  }
  return moved;
}

Result<std::size_t> Log::collect_below(Lsn floor) {
  if (stopped_) return Status::stopped("log stopped: " + stop_reason_.to_string());
  LockGuard lock(control_mutex_, "control file");
  if (floor <= control_.gc_floor) return std::size_t{0};
  AURORA_ASSERT(floor <= vdl_, "GC floor above VDL");
  auto collectable = [&](std::size_t i) {
    const SegmentInfo& info = segments_[i]->info;
    return i + 1 < segments_.size() && info.sealed && info.last_lsn < floor;  // never the current
  };
  // The floor and the shorter list are durable before any file goes.
  const ControlState before = control_;
  control_.segments.clear();
  for (std::size_t i = 0; i < segments_.size(); ++i) {
    if (!collectable(i)) control_.segments.push_back(segments_[i]->info);
  }
  control_.gc_floor = floor;
  // Each page's newest version below the floor stays its base: its image serves it, and the
  // page's next record links to it. The list is durable with the floor, so a page whose
  // image is lost later is known to be damaged, never taken for empty.
  control_.bases.clear();
  for (const auto& [page, versions] : page_versions_) {
    const auto above = std::lower_bound(versions.begin(), versions.end(), floor);
    if (above != versions.begin()) control_.bases.push_back(PageBase{page, *std::prev(above)});
  }
  ++layout_version_;  // reads below the new floor fail from now on: they must look again
  if (Status s = persist_control(); !s.is_ok()) {
    control_ = before;
    ++layout_version_;
    return s;
  }
  // The shorter list takes over before anything yields; only then are the doomed files'
  // handles closed (a read under way on one fails, sees the new layout, and looks again).
  std::vector<std::shared_ptr<Segment>> doomed;
  std::vector<std::shared_ptr<Segment>> kept;
  for (std::size_t i = 0; i < segments_.size(); ++i) {
    (collectable(i) ? doomed : kept).push_back(std::move(segments_[i]));
  }
  segments_ = std::move(kept);
  ++layout_version_;
  for (auto& [page, versions] : page_versions_) {
    const auto above = std::lower_bound(versions.begin(), versions.end(), floor);
    if (above != versions.begin()) versions.erase(versions.begin(), std::prev(above));
  }
  for (const std::shared_ptr<Segment>& seg : doomed) {
    if (seg->handle.valid()) rt_.fs.close(std::exchange(seg->handle, FileHandle{})).ignore();
  }
  rt_.crash_point("gc.persisted");  // the new floor durable, the files still there
  for (const std::shared_ptr<Segment>& seg : doomed) {
    AURORA_RETURN_IF_ERROR(rt_.fs.unlink(segment_path(seg->info)));
  }
  if (!doomed.empty()) {
    AURORA_RETURN_IF_ERROR(rt_.fs.sync_dir(options_.dir + "/wal"));
    AURORA_RETURN_IF_ERROR(rt_.fs.sync_dir(options_.dir + "/cold"));
  }
  rt_.events.emit("wal.collected", {{"floor", floor}, {"segments", doomed.size()}});
  return doomed.size();
}

}  // namespace aurora::wal
