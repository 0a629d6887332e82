// SimFs operations: the live view, the pending state, and what fsync makes durable.
// What a crash keeps is in sim_fs_crash.cc.
#include "sim/sim_fs.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "sim/sim_fs_impl.h"

namespace aurora::sim {
namespace {

bool is_root_path(std::string_view p) { return p.empty() || p == "/"; }

// A non-root path: names separated by single '/', none empty, "." or "..". Keeping one
// spelling per path lets rename compare paths as strings.
bool valid_path(std::string_view p) {
  if (p.empty()) return false;
  std::size_t start = 0;
  while (true) {
    const std::size_t slash = p.find('/', start);
    const std::string_view name =
        p.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (name.empty() || name == "." || name == "..") return false;
    if (slash == std::string_view::npos) return true;
    start = slash + 1;
  }
}

Field outcome(const Status& s) {
  return s.is_ok() ? Field("ok", true) : Field("err", error_kind_name(s.kind()));
}


bool overlaps_latent(const Inode& f, std::uint64_t begin, std::uint64_t end) {
  for (const LatentRange& r : f.latent) {
    if (r.begin < end && begin < r.end) return true;
  }
  return false;
}

}  // namespace

// --- Shared helpers ---

ByteImage& ByteImage::operator=(const ByteImage& other) {
  if (this == &other) return *this;
  blocks_.resize(other.blocks_.size());
  for (std::size_t i = 0; i < blocks_.size(); ++i) {
    if (!blocks_[i]) blocks_[i] = std::make_unique_for_overwrite<std::byte[]>(kBlock);
    std::memcpy(blocks_[i].get(), other.blocks_[i].get(), kBlock);
  }
  size_ = other.size_;
  return *this;
}

void ByteImage::resize(std::uint64_t size) {
  const std::uint64_t blocks = (size + kBlock - 1) / kBlock;
  if (size < size_) {
    blocks_.resize(blocks);
    // Keep the invariant: what a later extension exposes must read as zeros.
    if (size % kBlock != 0) {
      std::memset(blocks_.back().get() + size % kBlock, 0, kBlock - size % kBlock);
    }
  } else {
    while (blocks_.size() < blocks) blocks_.push_back(std::make_unique<std::byte[]>(kBlock));
  }
  size_ = size;
}

void ByteImage::write(std::uint64_t offset, std::span<const std::byte> data) {
  const std::uint64_t end = offset + data.size();
  if (end > size_) resize(end);
  while (!data.empty()) {
    const std::uint64_t in_block = offset % kBlock;
    const std::size_t n = std::min<std::uint64_t>(data.size(), kBlock - in_block);
    std::memcpy(blocks_[offset / kBlock].get() + in_block, data.data(), n);
    offset += n;
    data = data.subspan(n);
  }
}

void ByteImage::read(std::uint64_t offset, std::span<std::byte> out) const {
  AURORA_ASSERT(offset + out.size() <= size_, "ByteImage::read past the end");
  while (!out.empty()) {
    const std::uint64_t in_block = offset % kBlock;
    const std::size_t n = std::min<std::uint64_t>(out.size(), kBlock - in_block);
    std::memcpy(out.data(), blocks_[offset / kBlock].get() + in_block, n);
    offset += n;
    out = out.subspan(n);
  }
}

void ByteImage::flip_bit(std::uint64_t bit) {
  AURORA_ASSERT(bit / 8 < size_, "ByteImage::flip_bit past the end");
  const std::uint64_t byte = bit / 8;
  blocks_[byte / kBlock][byte % kBlock] ^= static_cast<std::byte>(1u << (bit % 8));
}

std::string ByteImage::to_string() const {
  std::string out(size_, '\0');
  read(0, std::span<std::byte>(reinterpret_cast<std::byte*>(out.data()), out.size()));
  return out;
}

void write_exposure(ByteImage& image, std::uint64_t offset, std::uint64_t len, Exposure exposure,
                    Rng& rng) {
  std::vector<std::byte> bytes(len);  // zeros
  if (exposure == Exposure::kGarbage) {
    for (std::size_t i = 0; i < len; i += 8) {
      std::uint64_t word = rng.next();
      for (std::size_t j = i; j < std::min<std::size_t>(len, i + 8); ++j) {
        bytes[j] = static_cast<std::byte>(word & 0xff);
        word >>= 8;
      }
    }
  }
  image.write(offset, bytes);
}

void trim_latent(Inode& f, std::uint64_t size) {
  std::erase_if(f.latent, [size](const LatentRange& r) { return r.begin >= size; });
  f.regions.erase(f.regions.lower_bound(size), f.regions.end());
}

// --- Construction ---

SimFs::Impl::Impl(std::string node_name, Scheduler& sched_, FaultInjector& faults_,
                  Rng& latency_rng_, Rng& crash_rng_, EventSink& events_, bool& up_)
    : node(std::move(node_name)),
      sched(sched_),
      faults(faults_),
      latency_rng(latency_rng_),
      crash_rng(crash_rng_),
      events(events_),
      up(up_) {
  Inode& root = inodes[kRootInode];
  root.id = kRootInode;
  root.is_dir = true;
}

SimFs::SimFs(std::string node_name, Scheduler& sched, FaultInjector& faults, Rng& latency_rng,
             Rng& crash_rng, EventSink& events)
    : impl_(std::make_unique<Impl>(std::move(node_name), sched, faults, latency_rng, crash_rng,
                                   events, up_)) {}

SimFs::~SimFs() = default;

// --- Framing ---

void SimFs::Impl::sleep_latency() {
  if (!sched.in_fiber()) return;  // test set-up outside fibers completes at once
  const FaultConfig& c = config();
  Nanos d = latency_rng.range(c.latency_min, c.latency_max);
  if (faults.fire(FaultKind::kLatencySpike, {{"node", node}})) d += c.latency_spike;
  sched.sleep_for(d);
}

Status SimFs::Impl::enter() {
  if (!up) return Status::node_down("disk of " + node + " is down");
  const std::uint64_t before = incarnation;
  sleep_latency();
  // Nothing from before the sleep is trusted after it: a crash (and maybe a restart) may
  // have happened meanwhile, and an operation in flight at a crash never completes.
  if (!up || incarnation != before) {
    return Status::node_down("disk of " + node + " crashed during the operation");
  }
  return Status::ok();
}

Result<OpenFile*> SimFs::Impl::file(FileHandle h) {
  auto it = open_files.find(h.id);
  if (it == open_files.end()) {
    return Status::bad_handle("handle " + std::to_string(h.id) + " is not open on " + node);
  }
  return &it->second;
}

// --- Paths ---

Inode* SimFs::Impl::inode(InodeId id) {
  auto it = inodes.find(id);
  return it == inodes.end() ? nullptr : &it->second;
}

Status SimFs::Impl::parent_of(std::string_view path, bool durable, Inode*& parent,
                              std::string_view& name) {
  if (!valid_path(path)) return Status::invalid_argument("bad path '" + std::string(path) + "'");
  Inode* dir = inode(kRootInode);
  std::size_t start = 0;
  for (std::size_t slash = path.find('/'); slash != std::string_view::npos;
       slash = path.find('/', start)) {
    const std::string_view component = path.substr(start, slash - start);
    const Entries& entries = durable ? dir->durable_entries : dir->live_entries;
    auto it = entries.find(component);
    Inode* next = it == entries.end() ? nullptr : inode(it->second);
    if (next == nullptr || !next->is_dir) {
      return Status::not_found("no directory '" + std::string(path.substr(0, slash)) + "'");
    }
    dir = next;
    start = slash + 1;
  }
  parent = dir;
  name = path.substr(start);
  return Status::ok();
}

Inode* SimFs::Impl::find(std::string_view path, bool durable) {
  if (is_root_path(path)) return inode(kRootInode);
  Inode* parent = nullptr;
  std::string_view name;
  if (!parent_of(path, durable, parent, name).is_ok()) return nullptr;
  const Entries& entries = durable ? parent->durable_entries : parent->live_entries;
  auto it = entries.find(name);
  return it == entries.end() ? nullptr : inode(it->second);
}

Inode& SimFs::Impl::make_inode(bool is_dir) {
  const InodeId id = next_inode++;
  Inode& n = inodes[id];
  n.id = id;
  n.is_dir = is_dir;
  return n;
}

// --- Live state changes ---

void SimFs::Impl::link_live(Inode& dir, std::string_view name, Inode& child) {
  dir.live_entries.emplace(std::string(name), child.id);
  ++child.live_links;
  record(DirOp{
      .kind = DirOp::Kind::kLink, .dir = dir.id, .name = std::string(name), .inode = child.id});
}

void SimFs::Impl::write_live(Inode& f, std::uint64_t offset, std::span<const std::byte> data) {
  const std::uint64_t end = offset + data.size();
  f.live.write(offset, data);
  // A sector rewritten as a whole is remapped by the drive; a partial write is not enough.
  std::erase_if(f.latent, [&](const LatentRange& r) { return offset <= r.begin && r.end <= end; });
  f.pending.push_back(FileOp{.kind = FileOp::Kind::kWrite,
                             .offset = offset,
                             .bytes = std::vector<std::byte>(data.begin(), data.end()),
                             .seq = next_op_seq++});
}

void SimFs::Impl::set_size_live(Inode& f, std::uint64_t size) {
  f.live.resize(size);
  trim_latent(f, size);
  f.pending.push_back(FileOp{.kind = FileOp::Kind::kSetSize, .offset = size, .seq = next_op_seq++});
}

void SimFs::Impl::record(DirOp op) {
  ++inode(op.dir)->op_refs;
  ++inode(op.inode)->op_refs;
  if (op.kind == DirOp::Kind::kRename) ++inode(op.to_dir)->op_refs;
  dir_pending.push_back(std::move(op));
}

void SimFs::Impl::retire(const DirOp& op) {
  const InodeId ids[3] = {op.dir, op.inode, op.kind == DirOp::Kind::kRename ? op.to_dir : 0};
  for (InodeId id : ids) {
    if (id == 0) continue;
    Inode* n = inode(id);
    AURORA_ASSERT(n != nullptr && n->op_refs > 0, "a pending directory op outlived its inode");
    --n->op_refs;
  }
  for (InodeId id : ids) {
    if (id != 0) maybe_free(id);
  }
}

// Drops an inode nothing can reach any more: no name (live or durable), no handle, no
// pending directory op. Without this a long run that churns files would keep every file
// it ever deleted.
void SimFs::Impl::maybe_free(InodeId id) {
  if (id == kRootInode) return;
  auto it = inodes.find(id);
  if (it == inodes.end()) return;
  Inode& n = it->second;
  if (!n.is_dir && n.live_links == 0 && n.handles == 0) {
    // Nothing can read the live image again (a crash rebuilds it from durable), but a
    // pending link may still make the file survive a crash, so durable stays.
    n.live = ByteImage();
  }
  if (n.live_links != 0 || n.durable_links != 0 || n.handles != 0 || n.op_refs != 0) return;
  AURORA_ASSERT(n.live_entries.empty(), "an unreachable directory still has live entries");
  std::vector<InodeId> children;
  for (const auto& [name, child] : n.durable_entries) children.push_back(child);
  inodes.erase(it);
  for (InodeId child : children) {
    Inode* c = inode(child);
    if (c == nullptr) continue;
    --c->durable_links;
    maybe_free(child);
  }
}

// --- Durability ---

void SimFs::Impl::make_durable(Inode& f, const FileOp& op, std::string_view path) {
  if (op.kind == FileOp::Kind::kSetSize) {
    f.durable.resize(op.offset);
    return;
  }
  const std::uint64_t len = op.bytes.size();
  if (len == 0) return;
  // With an aim (sim_fs_aim.cc), only writes of the aimed structure are opportunities for a
  // lost or misdirected write, so that the run's few media faults all strike it.
  const std::string_view aim = config().media_aim;
  const std::string_view own = f.regions.empty() ? std::string_view() : structure_at(f, op.offset);
  if (!aim.empty() && own != aim) {
    f.durable.write(op.offset, op.bytes);
    return;
  }
  if (faults.fire(FaultKind::kLostWrite, {{"node", node}, {"path", path}, {"off", op.offset},
                                          {"len", len}, {"structure", own}})) {
    (void)lose_aimed(f, op, path);  // else the whole write is lost
    return;  // the drive acknowledged the write and never did it (or one structure of it)
  }
  // Candidate targets: atomic-unit-aligned offsets inside the image, other than its own.
  const std::uint64_t unit = config().atomic_unit;
  const std::uint64_t end = op.offset + len;
  const std::uint64_t new_size = std::max<std::uint64_t>(f.durable.size(), end);
  const std::uint64_t slots = (new_size + unit - 1) / unit;
  const bool own_slot = op.offset % unit == 0;
  const std::uint64_t candidates = slots - (own_slot ? 1 : 0);
  if (candidates > 0 &&
      faults.fire(FaultKind::kMisdirectedWrite, {{"node", node}, {"path", path}, {"off", op.offset},
                                                 {"len", len}, {"structure", own}})) {
    if (misdirect_aimed(f, op, path)) return;
    std::uint64_t k = frng().below(candidates);
    if (own_slot && k >= op.offset / unit) ++k;
    const std::uint64_t target = k * unit;
    // The size change lands (it is metadata); the bytes land at `target`, clipped to the
    // image, and the write's own range keeps its old bytes (zeros beyond the old size).
    if (f.durable.size() < end) f.durable.resize(end);
    const std::uint64_t n = std::min<std::uint64_t>(len, f.durable.size() - target);
    f.durable.write(target, std::span<const std::byte>(op.bytes).first(n));
    events.emit("disk.misdirected_write",
                {{"node", node}, {"path", path}, {"off", op.offset}, {"to", target}, {"len", n}});
    return;
  }
  f.durable.write(op.offset, op.bytes);
}

void SimFs::hint(FileHandle file, std::uint64_t offset, std::uint64_t length,
                 std::string_view structure) {
  impl_->hint(file, offset, length, structure);
}

Status SimFs::Impl::sync_file(OpenFile& of) {
  Inode& f = *of.inode;
  if (!f.eio_reported &&
      faults.fire(FaultKind::kFsyncEio,
                  {{"node", node}, {"path", of.path}, {"pending", f.pending.size()}})) {
    f.pending.clear();
    if (config().eio_view == EioView::kRevert) f.live = f.durable;
    f.eio_reported = true;
    return Status::io_error("fsync of " + of.path + " failed; its pending writes are lost");
  }
  // The error was reported once; this fsync succeeds whatever was lost before it.
  f.eio_reported = false;
  for (const FileOp& op : f.pending) make_durable(f, op, of.path);
  f.pending.clear();
  return Status::ok();
}

Status SimFs::Impl::sync_directory(Inode& dir, std::string_view path) {
  std::vector<DirOp> covered;
  std::vector<DirOp> rest;
  for (DirOp& op : dir_pending) (op.touches(dir.id) ? covered : rest).push_back(std::move(op));
  dir_pending = std::move(rest);
  const bool failed = !dir.eio_reported &&
                      faults.fire(FaultKind::kFsyncEio,
                                  {{"node", node}, {"path", path}, {"pending", covered.size()}});
  // On failure the covered ops are dropped from pending without becoming durable; the
  // live names stay (the dentry cache keeps them) until the next crash.
  if (!failed) {
    for (const DirOp& op : covered) apply_durable(op);
  }
  for (const DirOp& op : covered) retire(op);
  dir.eio_reported = failed;
  if (failed) return Status::io_error("fsync of directory '" + std::string(path) + "' failed");
  return Status::ok();
}

void SimFs::Impl::apply_durable(const DirOp& op) {
  switch (op.kind) {
    case DirOp::Kind::kLink:
      set_durable_entry(op.dir, op.name, op.inode);
      return;
    case DirOp::Kind::kUnlink:
      erase_durable_entry(op.dir, op.name, op.inode);
      return;
    case DirOp::Kind::kRename:
      erase_durable_entry(op.dir, op.name, op.inode);
      set_durable_entry(op.to_dir, op.to_name, op.inode);
      return;
  }
}

void SimFs::Impl::set_durable_entry(InodeId dir, const std::string& name, InodeId target) {
  Inode* d = inode(dir);
  AURORA_ASSERT(d != nullptr && inode(target) != nullptr, "directory op on a freed inode");
  auto [it, inserted] = d->durable_entries.try_emplace(name, target);
  if (!inserted && it->second == target) return;
  ++inode(target)->durable_links;
  if (inserted) return;
  const InodeId replaced = it->second;
  it->second = target;
  --inode(replaced)->durable_links;
  maybe_free(replaced);
}

// Removes dir[name] only if it still names `target`: an unlink is about the file it
// unlinked, not about whatever a surviving later op put under that name.
void SimFs::Impl::erase_durable_entry(InodeId dir, const std::string& name, InodeId target) {
  Inode* d = inode(dir);
  AURORA_ASSERT(d != nullptr, "directory op on a freed directory");
  auto it = d->durable_entries.find(name);
  if (it == d->durable_entries.end() || it->second != target) return;
  d->durable_entries.erase(it);
  --inode(target)->durable_links;
  maybe_free(target);
}

// --- The operations ---

Result<FileHandle> SimFs::Impl::open(std::string_view path, OpenMode mode) {
  AURORA_RETURN_IF_ERROR(enter());
  Inode* parent = nullptr;
  std::string_view name;
  AURORA_RETURN_IF_ERROR(parent_of(path, false, parent, name));
  Inode* f = nullptr;
  auto it = parent->live_entries.find(name);
  if (it != parent->live_entries.end()) {
    if (mode == OpenMode::kCreateExclusive) {
      return Status::already_exists("'" + std::string(path) + "' exists");
    }
    f = inode(it->second);
    if (f->is_dir) return Status::invalid_argument("'" + std::string(path) + "' is a directory");
  } else {
    if (mode == OpenMode::kOpenExisting) {
      return Status::not_found("no file '" + std::string(path) + "'");
    }
    f = &make_inode(false);
    link_live(*parent, name, *f);
  }
  const std::uint64_t id = next_handle++;
  open_files.emplace(id, OpenFile{.inode = f, .path = std::string(path)});
  ++f->handles;
  return FileHandle{id};
}

// close never waits: it only drops a handle, and destructors close files. A destructor
// must not yield, because a fiber killed while it waits would unwind through it.
Status SimFs::Impl::close(FileHandle h, std::string& path) {
  if (!up) return Status::node_down("disk of " + node + " is down");
  auto it = open_files.find(h.id);
  if (it == open_files.end()) return Status::bad_handle("handle is not open");
  path = std::move(it->second.path);
  Inode& f = *it->second.inode;
  open_files.erase(it);
  --f.handles;
  maybe_free(f.id);
  return Status::ok();
}

Result<std::size_t> SimFs::Impl::pread(FileHandle h, std::uint64_t offset, std::span<std::byte> out,
                                       std::string_view& path) {
  AURORA_RETURN_IF_ERROR(enter());
  Result<OpenFile*> of = file(h);
  if (!of.is_ok()) return of.status();
  path = (*of)->path;
  const Inode& f = *(*of)->inode;
  if (offset > f.live.size()) {
    return Status::out_of_range("read at " + std::to_string(offset) + " past the end of " +
                                std::string(path));
  }
  const std::size_t n = std::min<std::uint64_t>(out.size(), f.live.size() - offset);
  if (n == 0) return std::size_t{0};
  if (faults.fire(FaultKind::kReadEio,
                  {{"node", node}, {"path", path}, {"off", offset}, {"len", n}})) {
    return Status::io_error("read of " + std::string(path) + " failed");
  }
  if (overlaps_latent(f, offset, offset + n)) {
    return Status::io_error("latent sector error in " + std::string(path));
  }
  f.live.read(offset, out.first(n));
  return n;
}

Result<std::size_t> SimFs::Impl::write(FileHandle h, std::optional<std::uint64_t> offset,
                                       std::span<const std::byte> data, std::string_view& path,
                                       std::uint64_t& at) {
  AURORA_RETURN_IF_ERROR(enter());
  Result<OpenFile*> of = file(h);
  if (!of.is_ok()) return of.status();
  path = (*of)->path;
  Inode& f = *(*of)->inode;
  at = offset.value_or(f.live.size());  // decided after the latency: appends do not collide
  if (data.size() > kMaxFileSize || at > kMaxFileSize - data.size()) {
    return Status::invalid_argument("write beyond the simulated maximum file size");
  }
  if (data.empty()) return std::size_t{0};
  const std::uint64_t len = data.size();
  if (faults.fire(FaultKind::kWriteNoSpace,
                  {{"node", node}, {"path", path}, {"off", at}, {"len", len}})) {
    return Status::no_space("no space for a write to " + std::string(path));
  }
  if (faults.fire(FaultKind::kWriteEio,
                  {{"node", node}, {"path", path}, {"off", at}, {"len", len}})) {
    return Status::io_error("write to " + std::string(path) + " failed");
  }
  std::size_t n = data.size();
  // A short write needs a strict, non-empty prefix, so a 1-byte write is no opportunity.
  if (n >= 2 && faults.fire(FaultKind::kShortWrite,
                            {{"node", node}, {"path", path}, {"off", at}, {"len", len}})) {
    n = static_cast<std::size_t>(frng().range(1, static_cast<std::int64_t>(n) - 1));
  }
  write_live(f, at, data.first(n));
  return n;
}

Status SimFs::Impl::truncate(FileHandle h, std::uint64_t new_size, std::string_view& path) {
  AURORA_RETURN_IF_ERROR(enter());
  Result<OpenFile*> of = file(h);
  if (!of.is_ok()) return of.status();
  path = (*of)->path;
  if (new_size > kMaxFileSize) {
    return Status::invalid_argument("size beyond the simulated maximum file size");
  }
  set_size_live(*(*of)->inode, new_size);
  return Status::ok();
}

Result<std::uint64_t> SimFs::Impl::size(FileHandle h, std::string_view& path) {
  AURORA_RETURN_IF_ERROR(enter());
  Result<OpenFile*> of = file(h);
  if (!of.is_ok()) return of.status();
  path = (*of)->path;
  return std::uint64_t{(*of)->inode->live.size()};
}

Status SimFs::Impl::sync(FileHandle h, std::string_view& path) {
  AURORA_RETURN_IF_ERROR(enter());
  Result<OpenFile*> of = file(h);
  if (!of.is_ok()) return of.status();
  path = (*of)->path;
  return sync_file(**of);
}

Status SimFs::Impl::mkdir(std::string_view path) {
  AURORA_RETURN_IF_ERROR(enter());
  if (is_root_path(path)) return Status::already_exists("the root directory exists");
  Inode* parent = nullptr;
  std::string_view name;
  AURORA_RETURN_IF_ERROR(parent_of(path, false, parent, name));
  if (parent->live_entries.contains(name)) {
    return Status::already_exists("'" + std::string(path) + "' exists");
  }
  link_live(*parent, name, make_inode(true));
  return Status::ok();
}

Status SimFs::Impl::sync_dir(std::string_view path) {
  AURORA_RETURN_IF_ERROR(enter());
  if (!is_root_path(path) && !valid_path(path)) {
    return Status::invalid_argument("bad path '" + std::string(path) + "'");
  }
  Inode* dir = find(path, false);
  if (dir == nullptr) return Status::not_found("no directory '" + std::string(path) + "'");
  if (!dir->is_dir) return Status::invalid_argument("'" + std::string(path) + "' is a file");
  return sync_directory(*dir, path);
}

Status SimFs::Impl::rename(std::string_view from, std::string_view to) {
  AURORA_RETURN_IF_ERROR(enter());
  if (is_root_path(from) || is_root_path(to)) {
    return Status::invalid_argument("cannot rename the root directory");
  }
  Inode* from_dir = nullptr;
  Inode* to_dir = nullptr;
  std::string_view from_name;
  std::string_view to_name;
  AURORA_RETURN_IF_ERROR(parent_of(from, false, from_dir, from_name));
  AURORA_RETURN_IF_ERROR(parent_of(to, false, to_dir, to_name));
  auto src = from_dir->live_entries.find(from_name);
  if (src == from_dir->live_entries.end()) {
    return Status::not_found("no file '" + std::string(from) + "'");
  }
  if (from == to) return Status::ok();  // POSIX: renaming a name to itself does nothing
  Inode& moved = *inode(src->second);
  if (moved.is_dir && to.size() > from.size() && to.starts_with(from) && to[from.size()] == '/') {
    return Status::invalid_argument("cannot move a directory into itself");
  }
  auto dst = to_dir->live_entries.find(to_name);
  InodeId replaced = 0;
  if (dst != to_dir->live_entries.end()) {
    const Inode& old = *inode(dst->second);
    if (old.is_dir != moved.is_dir || (old.is_dir && !old.live_entries.empty())) {
      return Status::invalid_argument("rename cannot replace '" + std::string(to) + "'");
    }
    replaced = old.id;
  }
  // Live view: both names change at once.
  from_dir->live_entries.erase(src);
  if (replaced != 0) {
    dst->second = moved.id;
    --inode(replaced)->live_links;
  } else {
    to_dir->live_entries.emplace(std::string(to_name), moved.id);
  }
  // Pending: one op, or (non-atomic) a link and an unlink that a crash decides apart.
  if (config().atomic_rename) {
    record(DirOp{.kind = DirOp::Kind::kRename,
                 .dir = from_dir->id,
                 .name = std::string(from_name),
                 .inode = moved.id,
                 .to_dir = to_dir->id,
                 .to_name = std::string(to_name)});
  } else {
    record(DirOp{.kind = DirOp::Kind::kLink,
                 .dir = to_dir->id,
                 .name = std::string(to_name),
                 .inode = moved.id});
    record(DirOp{.kind = DirOp::Kind::kUnlink,
                 .dir = from_dir->id,
                 .name = std::string(from_name),
                 .inode = moved.id});
  }
  if (replaced != 0) maybe_free(replaced);
  return Status::ok();
}

Status SimFs::Impl::unlink(std::string_view path) {
  AURORA_RETURN_IF_ERROR(enter());
  if (is_root_path(path)) return Status::invalid_argument("cannot unlink the root directory");
  Inode* dir = nullptr;
  std::string_view name;
  AURORA_RETURN_IF_ERROR(parent_of(path, false, dir, name));
  auto it = dir->live_entries.find(name);
  if (it == dir->live_entries.end()) {
    return Status::not_found("no file '" + std::string(path) + "'");
  }
  Inode& f = *inode(it->second);
  if (f.is_dir) return Status::invalid_argument("'" + std::string(path) + "' is a directory");
  dir->live_entries.erase(it);
  --f.live_links;
  record(DirOp{
      .kind = DirOp::Kind::kUnlink, .dir = dir->id, .name = std::string(name), .inode = f.id});
  maybe_free(f.id);  // with no handle open, at least its live image can go
  return Status::ok();
}

Result<std::vector<std::string>> SimFs::Impl::list(std::string_view path) {
  AURORA_RETURN_IF_ERROR(enter());
  if (!is_root_path(path) && !valid_path(path)) {
    return Status::invalid_argument("bad path '" + std::string(path) + "'");
  }
  const Inode* dir = find(path, false);
  if (dir == nullptr) return Status::not_found("no directory '" + std::string(path) + "'");
  if (!dir->is_dir) return Status::invalid_argument("'" + std::string(path) + "' is a file");
  std::vector<std::string> names;
  names.reserve(dir->live_entries.size());
  for (const auto& [name, id] : dir->live_entries) names.push_back(name);  // map: sorted
  return names;
}

Result<bool> SimFs::Impl::exists(std::string_view path) {
  AURORA_RETURN_IF_ERROR(enter());
  if (!is_root_path(path) && !valid_path(path)) {
    return Status::invalid_argument("bad path '" + std::string(path) + "'");
  }
  return find(path, false) != nullptr;
}

// --- SimFs: each call and its trace event ---

Result<FileHandle> SimFs::open(std::string_view path, OpenMode mode) {
  Result<FileHandle> r = impl_->open(path, mode);
  impl_->events.emit("fs.open", {{"node", impl_->node},
                                 {"path", path},
                                 {"mode", open_mode_name(mode)},
                                 {"fh", r.is_ok() ? r->id : 0},
                                 outcome(r.status())});
  return r;
}

Status SimFs::close(FileHandle file) {
  std::string path;
  Status s = impl_->close(file, path);
  impl_->events.emit("fs.close",
                     {{"node", impl_->node}, {"path", path}, {"fh", file.id}, outcome(s)});
  return s;
}

Result<std::size_t> SimFs::pread(FileHandle file, std::uint64_t offset, std::span<std::byte> out) {
  std::string_view path;
  Result<std::size_t> r = impl_->pread(file, offset, out, path);
  impl_->events.emit("fs.read", {{"node", impl_->node},
                                 {"path", path},
                                 {"off", offset},
                                 {"len", out.size()},
                                 {"n", r.is_ok() ? *r : 0},
                                 outcome(r.status())});
  return r;
}

Result<std::size_t> SimFs::pwrite(FileHandle file, std::uint64_t offset,
                                  std::span<const std::byte> data) {
  std::string_view path;
  std::uint64_t at = offset;
  Result<std::size_t> r = impl_->write(file, offset, data, path, at);
  impl_->events.emit("fs.write", {{"node", impl_->node},
                                  {"path", path},
                                  {"off", at},
                                  {"len", data.size()},
                                  {"n", r.is_ok() ? *r : 0},
                                  outcome(r.status())});
  return r;
}

Result<std::size_t> SimFs::append(FileHandle file, std::span<const std::byte> data) {
  std::string_view path;
  std::uint64_t at = 0;
  Result<std::size_t> r = impl_->write(file, std::nullopt, data, path, at);
  impl_->events.emit("fs.write", {{"node", impl_->node},
                                  {"path", path},
                                  {"off", at},
                                  {"len", data.size()},
                                  {"n", r.is_ok() ? *r : 0},
                                  {"append", true},
                                  outcome(r.status())});
  return r;
}

Status SimFs::truncate(FileHandle file, std::uint64_t size) {
  std::string_view path;
  Status s = impl_->truncate(file, size, path);
  impl_->events.emit("fs.truncate",
                     {{"node", impl_->node}, {"path", path}, {"size", size}, outcome(s)});
  return s;
}

Result<std::uint64_t> SimFs::size(FileHandle file) {
  std::string_view path;
  Result<std::uint64_t> r = impl_->size(file, path);
  impl_->events.emit(
      "fs.size",
      {{"node", impl_->node}, {"path", path}, {"size", r.is_ok() ? *r : 0}, outcome(r.status())});
  return r;
}

Status SimFs::sync(FileHandle file) {
  std::string_view path;
  Status s = impl_->sync(file, path);
  impl_->events.emit("fs.fsync", {{"node", impl_->node}, {"path", path}, outcome(s)});
  return s;
}

Status SimFs::mkdir(std::string_view path) {
  Status s = impl_->mkdir(path);
  impl_->events.emit("fs.mkdir", {{"node", impl_->node}, {"path", path}, outcome(s)});
  return s;
}

Status SimFs::sync_dir(std::string_view path) {
  Status s = impl_->sync_dir(path);
  impl_->events.emit("fs.sync_dir", {{"node", impl_->node}, {"path", path}, outcome(s)});
  return s;
}

Status SimFs::rename(std::string_view from, std::string_view to) {
  Status s = impl_->rename(from, to);
  impl_->events.emit("fs.rename", {{"node", impl_->node}, {"path", from}, {"to", to}, outcome(s)});
  return s;
}

Status SimFs::unlink(std::string_view path) {
  Status s = impl_->unlink(path);
  impl_->events.emit("fs.unlink", {{"node", impl_->node}, {"path", path}, outcome(s)});
  return s;
}

Result<std::vector<std::string>> SimFs::list(std::string_view dir) {
  Result<std::vector<std::string>> r = impl_->list(dir);
  impl_->events.emit("fs.list", {{"node", impl_->node},
                                 {"path", dir},
                                 {"count", r.is_ok() ? r->size() : 0},
                                 outcome(r.status())});
  return r;
}

Result<bool> SimFs::exists(std::string_view path) {
  Result<bool> r = impl_->exists(path);
  impl_->events.emit(
      "fs.exists",
      {{"node", impl_->node}, {"path", path}, {"found", r.is_ok() && *r}, outcome(r.status())});
  return r;
}

// --- Crash and restart (the decisions are in sim_fs_crash.cc) ---

void SimFs::crash(std::optional<CrashMode> mode, bool in_window) {
  if (!up_) return;  // already down: a second crash changes nothing
  impl_->crash(mode.value_or(impl_->config().crash_mode), in_window);
}

void SimFs::restart() {
  if (up_) return;
  up_ = true;
  std::uint64_t files = 0;
  for (const auto& [id, n] : impl_->inodes) files += n.is_dir ? 0 : 1;
  impl_->events.emit("disk.restart", {{"node", impl_->node}, {"files", files}});
}

// --- Inspection ---

std::optional<std::string> SimFs::live_contents(std::string_view path) const {
  const Inode* f = impl_->find(path, false);
  if (f == nullptr || f->is_dir) return std::nullopt;
  return f->live.to_string();
}

std::optional<std::string> SimFs::durable_contents(std::string_view path) const {
  const Inode* f = impl_->find(path, true);
  if (f == nullptr || f->is_dir) return std::nullopt;
  return f->durable.to_string();
}

std::size_t SimFs::pending_ops(std::string_view path) const {
  const Inode* n = impl_->find(path, false);
  if (n == nullptr) return 0;
  if (!n->is_dir) return n->pending.size();
  return static_cast<std::size_t>(
      std::count_if(impl_->dir_pending.begin(), impl_->dir_pending.end(),
                    [n](const DirOp& op) { return op.touches(n->id); }));
}

std::vector<std::string> SimFs::all_files() const {
  std::vector<std::string> out;
  // Depth-first over the live tree; the live tree has no cycles (rename refuses them).
  std::vector<std::pair<InodeId, std::string>> stack = {{kRootInode, ""}};
  while (!stack.empty()) {
    auto [id, prefix] = std::move(stack.back());
    stack.pop_back();
    for (const auto& [name, child] : impl_->inode(id)->live_entries) {
      std::string path = prefix.empty() ? name : prefix + "/" + name;
      if (impl_->inode(child)->is_dir) {
        stack.emplace_back(child, std::move(path));
      } else {
        out.push_back(std::move(path));
      }
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace aurora::sim
