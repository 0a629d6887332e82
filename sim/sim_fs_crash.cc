// What a crash keeps (DESIGN.md section 5). Every decision is drawn from the disk's crash
// stream ("crash/<node>", not the faults stream), in a fixed order: files by inode id
// (their pending ops in issue order, then the tearing of each surviving write), then
// directory ops in issue order, then media faults per surviving file by inode id.
#include <algorithm>
#include <set>

#include "sim/sim_fs_impl.h"

namespace aurora::sim {

void SimFs::Impl::crash(CrashMode mode, bool in_window) {
  CrashStats stats;
  const std::map<InodeId, std::string> names = path_names();
  const std::uint64_t window =
      in_window && mode != CrashMode::kDropAll ? newest_pending_write() : 0;
  for (auto& [id, n] : inodes) {
    if (n.is_dir || n.pending.empty()) continue;
    auto name = names.find(id);
    replay_file(n, mode, name == names.end() ? std::string() : name->second, window, stats);
  }
  replay_dirs(mode, stats);
  open_files.clear();  // every handle of this incarnation is dead
  collect_unreachable(stats);
  media_faults(names, stats);
  reset_to_durable();
  ++incarnation;
  up = false;
  events.emit("disk.crash", {{"node", node},
                             {"mode", crash_mode_name(mode)},
                             {"ops_survived", stats.ops_survived},
                             {"ops_dropped", stats.ops_dropped},
                             {"writes_torn", stats.writes_torn},
                             {"units_lost", stats.units_lost},
                             {"dir_ops_survived", stats.dir_ops_survived},
                             {"dir_ops_dropped", stats.dir_ops_dropped},
                             {"inodes_lost", stats.inodes_lost},
                             {"dir_links_removed", stats.dir_links_removed},
                             {"media_faults", stats.media_faults}});
}

// A name for every inode, to label fault events: its live path, else its durable path
// (an unlinked file whose unlink may not survive). Only computed at a crash.
std::map<InodeId, std::string> SimFs::Impl::path_names() const {
  std::map<InodeId, std::string> names;
  for (const bool durable : {false, true}) {
    std::vector<std::pair<InodeId, std::string>> stack = {{kRootInode, ""}};
    std::set<InodeId> seen = {kRootInode};
    while (!stack.empty()) {
      auto [id, prefix] = std::move(stack.back());
      stack.pop_back();
      const Inode& dir = inodes.at(id);
      for (const auto& [name, child] : durable ? dir.durable_entries : dir.live_entries) {
        if (!seen.insert(child).second) continue;  // a durable tree may hold a cycle
        std::string path = prefix.empty() ? name : prefix + "/" + name;
        if (inodes.at(child).is_dir) stack.emplace_back(child, path);
        names.try_emplace(child, std::move(path));
      }
    }
  }
  return names;
}

std::vector<bool> SimFs::Impl::surviving_ops(std::size_t n, CrashMode mode) {
  std::vector<bool> keep(n, false);
  switch (mode) {
    case CrashMode::kDropAll:
      break;
    case CrashMode::kPrefix: {
      const std::uint64_t k = crng().below(n + 1);
      std::fill(keep.begin(), keep.begin() + static_cast<std::ptrdiff_t>(k), true);
      break;
    }
    case CrashMode::kSubset:
      for (std::size_t i = 0; i < n; ++i) keep[i] = crng().below(2) == 1;
      break;
  }
  return keep;
}

std::uint64_t SimFs::Impl::newest_pending_write() const {
  std::uint64_t newest = 0;
  for (const auto& [id, n] : inodes) {
    for (const FileOp& op : n.pending) {
      if (op.kind == FileOp::Kind::kWrite) newest = std::max(newest, op.seq);
    }
  }
  return newest;
}

// Applies the surviving pending ops to the durable image, in their original order. The
// window's write survives (with every op before it, under prefix) and is torn: a crash at
// a crash point is there for the write's partial outcome (an MTR durable in part, say),
// which the draws alone seldom gave (none of 26 crashes at wal.batch_written in 60 default
// runs, engine/runtime/CRASH_POINTS.md).
void SimFs::Impl::replay_file(Inode& f, CrashMode mode, const std::string& path,
                              std::uint64_t window, CrashStats& stats) {
  std::vector<bool> keep = surviving_ops(f.pending.size(), mode);
  for (std::size_t i = 0; i < f.pending.size(); ++i) {
    if (window == 0 || f.pending[i].seq != window) continue;
    if (mode == CrashMode::kPrefix) std::fill_n(keep.begin(), i, true);
    keep[i] = true;
  }
  for (std::size_t i = 0; i < f.pending.size(); ++i) {
    const FileOp& op = f.pending[i];
    if (!keep[i]) {
      ++stats.ops_dropped;
      continue;
    }
    ++stats.ops_survived;
    if (op.kind == FileOp::Kind::kSetSize) {
      f.durable.resize(op.offset);
      trim_latent(f, op.offset);
    } else {
      replay_write(f, op, path, op.seq == window, stats);
    }
  }
  f.pending.clear();
}

// A surviving write lands whole, or (a torn write) unit by unit: its atomic units, aligned
// to file offsets, survive as some subset. Half the torn writes keep each unit on its own
// coin flip; the other half (and every window's write) lose one contiguous run of units
// and keep the rest: a prefix when the run reaches the write's end, as a drive writing
// the units in order leaves it when the power goes, or a hole with whole units after it
// when the drive wrote them out of order. The run matters: with one-byte units the coin
// flips garble every record of the write, so only a run cuts the write between records,
// which is how a crash leaves an MTR durable in part, or valid records after a hole. The
// size extension survives with the op; a lost unit inside the old size keeps the old
// bytes, one beyond it shows what the run's Exposure says (the size survived without its
// data).
void SimFs::Impl::replay_write(Inode& f, const FileOp& op, const std::string& path,
                               bool in_window, CrashStats& stats) {
  const std::uint64_t len = op.bytes.size();
  if (len == 0) return;
  if (in_window) {
    events.emit("disk.torn_in_window",
                {{"node", node}, {"path", path}, {"off", op.offset}, {"len", len}});
  } else if (!faults.fire(FaultKind::kTornWrite, crng(),
                          {{"node", node}, {"path", path}, {"off", op.offset}, {"len", len}})) {
    f.durable.write(op.offset, op.bytes);
    return;
  }
  ++stats.writes_torn;
  const std::uint64_t unit = config().atomic_unit;
  AURORA_ASSERT(unit > 0, "atomic_unit must be at least one byte");
  const std::uint64_t old_size = f.durable.size();
  const std::uint64_t end = op.offset + len;
  const std::uint64_t units = (end - 1) / unit - op.offset / unit + 1;
  // A run: units [lost_begin, lost_end) are lost (at least one), the others kept. Else
  // each unit on a coin.
  const bool run = in_window || crng().chance(0.5);
  const std::uint64_t lost_begin = run ? crng().below(units) : 0;
  const std::uint64_t lost_end = run ? lost_begin + 1 + crng().below(units - lost_begin) : 0;
  if (end > old_size) f.durable.resize(end);
  std::uint64_t index = 0;
  for (std::uint64_t pos = op.offset; pos < end; ++index) {
    const std::uint64_t unit_end = std::min(end, (pos / unit + 1) * unit);
    if (run ? index < lost_begin || index >= lost_end : crng().below(2) == 1) {
      f.durable.write(
          pos, std::span<const std::byte>(op.bytes).subspan(pos - op.offset, unit_end - pos));
    } else {
      ++stats.units_lost;
      const std::uint64_t from = std::max(pos, old_size);
      if (from < unit_end) {
        write_exposure(f.durable, from, unit_end - from, config().exposure, crng());
      }
    }
    pos = unit_end;
  }
}

// Directory ops not covered by a directory fsync survive or vanish independently (none
// under drop-all). Surviving ops apply in issue order.
void SimFs::Impl::replay_dirs(CrashMode mode, CrashStats& stats) {
  for (const DirOp& op : dir_pending) {
    const bool keep = mode != CrashMode::kDropAll && crng().below(2) == 1;
    if (!keep) {
      ++stats.dir_ops_dropped;
      continue;
    }
    ++stats.dir_ops_survived;
    apply_durable(op);
  }
  // The references these ops held are rebuilt from scratch by reset_to_durable().
  dir_pending.clear();
}

// Whatever the durable tree no longer reaches from the root is gone: a file whose entry
// did not survive, and a directory with its whole subtree.
//
// Directory ops survive independently, so the durable graph may give a directory two
// names (even a cycle: both halves of two non-atomic directory renames). A real disk
// never shows that after fsck; here, as there, a directory keeps the first name a
// breadth-first walk in name order finds, and its other entries are removed. Files may
// keep several names (they are then hard links).
void SimFs::Impl::collect_unreachable(CrashStats& stats) {
  std::set<InodeId> reached = {kRootInode};
  std::vector<InodeId> queue = {kRootInode};
  for (std::size_t next = 0; next < queue.size(); ++next) {
    Entries& entries = inodes.at(queue[next]).durable_entries;
    for (auto it = entries.begin(); it != entries.end();) {
      const bool is_dir = inodes.at(it->second).is_dir;
      const bool first = reached.insert(it->second).second;
      if (is_dir && !first) {
        ++stats.dir_links_removed;
        it = entries.erase(it);
        continue;
      }
      if (is_dir) queue.push_back(it->second);
      ++it;
    }
  }
  for (auto it = inodes.begin(); it != inodes.end();) {
    if (reached.contains(it->first)) {
      ++it;
    } else {
      ++stats.inodes_lost;
      it = inodes.erase(it);
    }
  }
}

// Media faults strike the durable image of each surviving file. Runs after the durable
// image is final and before live is copied from it.
void SimFs::Impl::media_faults(const std::map<InodeId, std::string>& names, CrashStats& stats) {
  const std::uint64_t unit = config().atomic_unit;
  for (auto& [id, f] : inodes) {
    if (f.is_dir || f.durable.empty()) continue;
    auto name = names.find(id);
    const std::string_view path = name == names.end() ? std::string_view() : name->second;
    const std::uint64_t size = f.durable.size();
    if (faults.fire(FaultKind::kLatentSector, crng(), {{"node", node}, {"path", path}})) {
      // Aimed: the sector where a structure starts, which a reader of it reads first.
      const auto aimed = aimed_region(f);
      const std::uint64_t sector =
          aimed ? aimed->first / unit : crng().below((size + unit - 1) / unit);
      const LatentRange r{.begin = sector * unit, .end = std::min(size, (sector + 1) * unit)};
      f.latent.push_back(r);
      ++stats.media_faults;
      events.emit("disk.latent_sector",
                  {{"node", node}, {"path", path}, {"off", r.begin}, {"len", r.end - r.begin},
                   {"structure", aimed ? aimed->second.structure : std::string_view()}});
    }
    if (faults.fire(FaultKind::kBitFlip, crng(), {{"node", node}, {"path", path}})) {
      // Aimed: a bit of a structure, in its first 32 bytes (where the engine's structures
      // keep their headers) half the time, anywhere in it otherwise.
      const auto aimed = aimed_region(f);
      std::uint64_t bit = 0;
      if (aimed) {
        const std::uint64_t len = std::min(aimed->second.length, size - aimed->first);
        const std::uint64_t span = crng().chance(0.5) ? std::min<std::uint64_t>(len, 32) : len;
        bit = aimed->first * 8 + crng().below(span * 8);
      } else {
        bit = crng().below(size * 8);
      }
      f.durable.flip_bit(bit);
      ++stats.media_faults;
      events.emit("disk.bit_flip",
                  {{"node", node}, {"path", path}, {"bit", bit},
                   {"structure", aimed ? aimed->second.structure : std::string_view()}});
    }
  }
}

// The new incarnation starts from the durable state: live = durable, nothing pending,
// no handles, and every reference count rebuilt from the surviving tree.
void SimFs::Impl::reset_to_durable() {
  for (auto& [id, n] : inodes) {
    n.live_links = n.durable_links = n.handles = n.op_refs = 0;
    n.eio_reported = false;
    n.pending.clear();
  }
  for (auto& [id, n] : inodes) {
    if (!n.is_dir) {
      n.live = n.durable;
      n.regions.erase(n.regions.lower_bound(n.durable.size()), n.regions.end());
      continue;
    }
    n.live_entries = n.durable_entries;
    for (const auto& [name, child] : n.durable_entries) {
      Inode& c = inodes.at(child);
      ++c.live_links;
      ++c.durable_links;
    }
  }
}

}  // namespace aurora::sim
