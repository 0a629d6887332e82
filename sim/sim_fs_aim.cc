// Media faults aimed at what the engine keeps. The engine names its structures through
// FileSystem::hint (a record, an image slot, a segment header, a control file) and the disk
// keeps those names per file while a media fault kind is on; a run's aim
// (FaultConfig::media_aim, drawn per run) then sends its media faults at one kind of
// structure: a misdirected write lands on another of them, in the same file or in a file
// of the same directory; a lost write loses one of them; a bit flip strikes the start of
// one (where headers are); a latent error covers the sector where one starts. Random
// offsets rarely do any of this: a misdirected write at a random 512-byte boundary almost
// never lands exactly on another image slot that is then read. The disk never parses what
// it holds; it only believes what it was told.
#include <algorithm>

#include "sim/sim_fs_impl.h"

namespace aurora::sim {

bool SimFs::Impl::media_faults_on() const {
  for (FaultKind k : {FaultKind::kLatentSector, FaultKind::kBitFlip, FaultKind::kMisdirectedWrite,
                      FaultKind::kLostWrite}) {
    if (config().rule(k).enabled) return true;
  }
  return false;
}

void SimFs::Impl::hint(FileHandle h, std::uint64_t offset, std::uint64_t length,
                       std::string_view structure) {
  if (length == 0 || !media_faults_on()) return;
  Result<OpenFile*> of = file(h);
  if (!of.is_ok()) return;  // a dead handle: the write it describes failed too
  (*of)->inode->regions[offset] = Region{.length = length, .structure = structure};
}

std::string_view SimFs::Impl::structure_at(const Inode& f, std::uint64_t offset) const {
  auto it = f.regions.upper_bound(offset);
  if (it == f.regions.begin()) return {};
  --it;
  return offset < it->first + it->second.length ? it->second.structure : std::string_view();
}

bool SimFs::Impl::misdirect_aimed(Inode& f, const FileOp& op, std::string_view path) {
  const std::string_view aim = config().media_aim;
  const std::string_view own = structure_at(f, op.offset);
  if (aim.empty() || own != aim) return false;
  // Where it may land: the durable structures of the aimed kind, in this file (not the
  // write's own place) and in the other files of its directory.
  struct Target {
    Inode* inode;
    std::uint64_t offset;
    std::string_view name;  // in the write's directory ("" for the write's own file)
  };
  std::vector<Target> targets;
  const auto add = [&](Inode& n, std::string_view name) {
    for (const auto& [off, r] : n.regions) {
      if (r.structure == aim && off < n.durable.size() && !(&n == &f && off == op.offset)) {
        targets.push_back({&n, off, name});
      }
    }
  };
  add(f, {});
  Inode* dir = nullptr;
  std::string_view own_name;
  if (parent_of(path, /*durable=*/false, dir, own_name).is_ok()) {
    for (const auto& [name, child] : dir->live_entries) {
      Inode* n = inode(child);
      if (n != nullptr && n != &f && !n->is_dir) add(*n, name);
    }
  }
  if (targets.empty()) return false;
  const Target t = targets[frng().below(targets.size())];
  // The write's own range keeps its old bytes (a size change still lands: it is metadata);
  // the bytes land on the target, clipped to its durable image.
  const std::uint64_t end = op.offset + op.bytes.size();
  if (f.durable.size() < end) f.durable.resize(end);
  const std::uint64_t n =
      std::min<std::uint64_t>(op.bytes.size(), t.inode->durable.size() - t.offset);
  t.inode->durable.write(t.offset, std::span<const std::byte>(op.bytes).first(n));
  std::string to_path(path);
  if (t.inode != &f) to_path.replace(to_path.size() - own_name.size(), own_name.size(), t.name);
  events.emit("disk.misdirected_write",
              {{"node", node}, {"path", path}, {"off", op.offset}, {"to_path", to_path},
               {"to", t.offset}, {"len", n}, {"structure", aim}});
  return true;
}

bool SimFs::Impl::lose_aimed(Inode& f, const FileOp& op, std::string_view path) {
  const std::string_view aim = config().media_aim;
  if (aim.empty()) return false;
  const std::uint64_t end = op.offset + op.bytes.size();
  std::vector<std::pair<std::uint64_t, std::uint64_t>> hit;  // [begin, end) in the write
  for (auto it = f.regions.lower_bound(op.offset); it != f.regions.end() && it->first < end; ++it) {
    if (it->second.structure == aim) {
      hit.emplace_back(it->first, std::min(end, it->first + it->second.length));
    }
  }
  if (hit.empty()) return false;
  const auto [b, e] = hit[frng().below(hit.size())];
  const std::span<const std::byte> bytes(op.bytes);
  if (f.durable.size() < end) f.durable.resize(end);
  f.durable.write(op.offset, bytes.first(b - op.offset));
  f.durable.write(e, bytes.subspan(e - op.offset));
  events.emit("disk.lost_write",
              {{"node", node}, {"path", path}, {"off", b}, {"len", e - b}, {"structure", aim}});
  return true;
}

std::optional<std::pair<std::uint64_t, Region>> SimFs::Impl::aimed_region(const Inode& f) {
  const std::string_view aim = config().media_aim;
  if (aim.empty()) return std::nullopt;
  std::vector<std::pair<std::uint64_t, Region>> candidates;
  for (const auto& [off, r] : f.regions) {
    if (r.structure == aim && off < f.durable.size()) candidates.emplace_back(off, r);
  }
  if (candidates.empty()) return std::nullopt;
  return candidates[crng().below(candidates.size())];  // at a crash: its stream
}

}  // namespace aurora::sim
