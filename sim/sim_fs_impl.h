// SimFs internals, shared by sim_fs.cc (the operations) and sim_fs_crash.cc (what a
// crash keeps). Not part of the sim/ interface: include sim/sim_fs.h instead.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sim/sim_fs.h"

namespace aurora::sim {

using InodeId = std::uint64_t;
inline constexpr InodeId kRootInode = 1;
// Bounds what a single pwrite/truncate may make the simulated disk allocate: a stray
// offset in the engine is reported, not turned into an out-of-memory abort.
inline constexpr std::uint64_t kMaxFileSize = std::uint64_t{1} << 32;

// A file image stored as 4 KiB blocks. Growing a file allocates blocks instead of
// reallocating (and re-touching) one contiguous buffer, so an append costs what it writes
// and freed blocks are reused by the allocator: the 4 KiB write + fsync loop stays
// proportional to the bytes written, however large the file grows.
class ByteImage {
 public:
  static constexpr std::size_t kBlock = 4096;

  ByteImage() = default;
  ByteImage(const ByteImage& other) { *this = other; }
  ByteImage& operator=(const ByteImage& other);
  ByteImage(ByteImage&&) noexcept = default;
  ByteImage& operator=(ByteImage&&) noexcept = default;

  std::uint64_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // Shrinks, or extends with zeros.
  void resize(std::uint64_t size);
  // Writes `data` at `offset`, extending the image (with zeros before `offset`) as needed.
  void write(std::uint64_t offset, std::span<const std::byte> data);
  // Copies out.size() bytes at `offset`; the range must lie inside the image.
  void read(std::uint64_t offset, std::span<std::byte> out) const;
  void flip_bit(std::uint64_t bit);
  std::string to_string() const;

 private:
  // Invariant: bytes of the last block beyond size_ are zero, so extending shows zeros.
  std::vector<std::unique_ptr<std::byte[]>> blocks_;
  std::uint64_t size_ = 0;
};

// One operation on a file since its last successful fsync, in issue order.
struct FileOp {
  enum class Kind : std::uint8_t { kWrite, kSetSize };
  Kind kind = Kind::kWrite;
  std::uint64_t offset = 0;      // kWrite: where the bytes go; kSetSize: the new size
  std::vector<std::byte> bytes;  // kWrite only
  std::uint64_t seq = 0;         // issue order over the whole disk (crash windows)
};

// A byte range of a file's durable image that reads EIO (a latent sector error).
struct LatentRange {
  std::uint64_t begin = 0;
  std::uint64_t end = 0;
};

// A structure the engine said it keeps in a file (FileSystem::hint): media faults aim at it.
struct Region {
  std::uint64_t length = 0;
  std::string_view structure;  // a literal of the engine's
};

// One directory operation not yet covered by an fsync of its directory.
struct DirOp {
  enum class Kind : std::uint8_t {
    kLink,    // dir[name] = inode (create, mkdir, one half of a non-atomic rename)
    kUnlink,  // remove dir[name] if it still names inode (unlink, other half of a rename)
    kRename,  // atomic: remove dir[name] and set to_dir[to_name] = inode, both or neither
  };
  Kind kind = Kind::kLink;
  InodeId dir = 0;
  std::string name;
  InodeId inode = 0;
  InodeId to_dir = 0;   // kRename only
  std::string to_name;  // kRename only

  // A rename across directories is one journal transaction: an fsync of either
  // directory makes it durable.
  bool touches(InodeId d) const { return dir == d || (kind == Kind::kRename && to_dir == d); }
};

using Entries = std::map<std::string, InodeId, std::less<>>;

struct Inode {
  InodeId id = 0;
  bool is_dir = false;

  // Files.
  ByteImage live;               // what reads return
  ByteImage durable;            // what a crash keeps for sure
  std::vector<FileOp> pending;  // since the last successful fsync
  std::vector<LatentRange> latent;
  std::map<std::uint64_t, Region> regions;  // by offset; hinted while media faults are on

  // Directories.
  Entries live_entries;
  Entries durable_entries;

  // An fsync of this inode failed; the error is reported once, so the next one succeeds.
  bool eio_reported = false;

  // What keeps the inode alive between crashes. It is dropped when all are zero; a crash
  // instead drops whatever the durable tree no longer reaches.
  std::uint32_t live_links = 0;
  std::uint32_t durable_links = 0;
  std::uint32_t handles = 0;
  std::uint32_t op_refs = 0;  // pending DirOps naming it (as directory or as target)
};

struct OpenFile {
  Inode* inode = nullptr;
  std::string path;  // as opened; labels trace events
};

// Counts for the "disk.crash" summary event.
struct CrashStats {
  std::uint64_t ops_survived = 0;
  std::uint64_t ops_dropped = 0;
  std::uint64_t writes_torn = 0;
  std::uint64_t units_lost = 0;
  std::uint64_t dir_ops_survived = 0;
  std::uint64_t dir_ops_dropped = 0;
  std::uint64_t inodes_lost = 0;
  std::uint64_t media_faults = 0;
  std::uint64_t dir_links_removed = 0;  // second names of directories (see crash)
};

struct SimFs::Impl {
  Impl(std::string node_name, Scheduler& sched, FaultInjector& faults, Rng& latency_rng,
       Rng& crash_rng, EventSink& events, bool& up);

  // --- Context ---
  std::string node;
  Scheduler& sched;
  FaultInjector& faults;
  Rng& latency_rng;
  Rng& crash_rng;  // every decision of a crash (sim_fs_crash.cc)
  EventSink& events;
  bool& up;

  std::map<InodeId, Inode> inodes;  // ordered: crash decisions go in inode order
  std::vector<DirOp> dir_pending;   // in issue order
  std::map<std::uint64_t, OpenFile> open_files;
  InodeId next_inode = kRootInode + 1;
  std::uint64_t next_handle = 1;  // never reused, so old handles stay invalid
  std::uint64_t incarnation = 0;  // bumped by every crash
  std::uint64_t next_op_seq = 1;  // FileOp::seq of the next pending op

  const FaultConfig& config() const { return faults.config(); }
  Rng& frng() { return faults.rng(); }
  Rng& crng() { return crash_rng; }

  // --- The FileSystem calls, without their trace event (sim_fs.cc) ---
  // Handle-based calls report the path the handle was opened with through `path`, for
  // the event the caller emits.
  Result<FileHandle> open(std::string_view path, OpenMode mode);
  Status close(FileHandle h, std::string& path);
  Result<std::size_t> pread(FileHandle h, std::uint64_t offset, std::span<std::byte> out,
                            std::string_view& path);
  // `offset` nullopt appends; `at` reports where the write went.
  Result<std::size_t> write(FileHandle h, std::optional<std::uint64_t> offset,
                            std::span<const std::byte> data, std::string_view& path,
                            std::uint64_t& at);
  Status truncate(FileHandle h, std::uint64_t size, std::string_view& path);
  Result<std::uint64_t> size(FileHandle h, std::string_view& path);
  Status sync(FileHandle h, std::string_view& path);
  Status mkdir(std::string_view path);
  Status sync_dir(std::string_view path);
  Status rename(std::string_view from, std::string_view to);
  Status unlink(std::string_view path);
  Result<std::vector<std::string>> list(std::string_view path);
  Result<bool> exists(std::string_view path);

  // --- Operation framing (sim_fs.cc) ---
  // Checks the disk is up, spends the operation's simulated latency, and checks again
  // (a crash may have happened meanwhile). The effect is applied only after this.
  Status enter();
  void sleep_latency();
  Result<OpenFile*> file(FileHandle h);

  // --- Paths (sim_fs.cc) ---
  Inode* inode(InodeId id);
  // Resolves `path` to its parent directory and final name in the live (or durable) tree.
  Status parent_of(std::string_view path, bool durable, Inode*& parent, std::string_view& name);
  // The inode at `path`, or nullptr. Root is "" or "/".
  Inode* find(std::string_view path, bool durable);
  Inode& make_inode(bool is_dir);

  // --- Live state changes (sim_fs.cc) ---
  void link_live(Inode& dir, std::string_view name, Inode& child);
  void write_live(Inode& f, std::uint64_t offset, std::span<const std::byte> data);
  void set_size_live(Inode& f, std::uint64_t size);
  void record(DirOp op);
  void retire(const DirOp& op);  // drops the op's references once applied or dropped
  void maybe_free(InodeId id);

  // --- Durability (sim_fs.cc) ---
  Status sync_file(OpenFile& f);
  Status sync_directory(Inode& dir, std::string_view path);
  void make_durable(Inode& f, const FileOp& op, std::string_view path);
  void apply_durable(const DirOp& op);
  void set_durable_entry(InodeId dir, const std::string& name, InodeId target);
  void erase_durable_entry(InodeId dir, const std::string& name, InodeId target);

  // --- Crash (sim_fs_crash.cc) ---
  void crash(CrashMode mode, bool in_window);
  std::map<InodeId, std::string> path_names() const;
  std::vector<bool> surviving_ops(std::size_t n, CrashMode mode);
  // The seq of the newest write still pending on the disk, or 0.
  std::uint64_t newest_pending_write() const;
  // `window`: the seq of a write that survives torn whatever the draws say (0: none).
  void replay_file(Inode& f, CrashMode mode, const std::string& path, std::uint64_t window,
                   CrashStats& stats);
  void replay_write(Inode& f, const FileOp& op, const std::string& path, bool in_window,
                    CrashStats& stats);
  void replay_dirs(CrashMode mode, CrashStats& stats);
  void collect_unreachable(CrashStats& stats);
  void reset_to_durable();
  void media_faults(const std::map<InodeId, std::string>& names, CrashStats& stats);

  // --- Aiming media faults at hinted structures (sim_fs_aim.cc) ---
  // Whether any media fault kind is on: hints are kept only then.
  bool media_faults_on() const;
  void hint(FileHandle h, std::uint64_t offset, std::uint64_t length, std::string_view structure);
  // The structure at `offset` of `f`, or "" when none was hinted there.
  std::string_view structure_at(const Inode& f, std::uint64_t offset) const;
  // A misdirected write of `op` (of `f`, at `path`) aimed at another hinted structure of
  // the same file or of a file in the same directory. False, having done nothing, when
  // the aim (drawn here) is "anywhere" or there is no such structure.
  bool misdirect_aimed(Inode& f, const FileOp& op, std::string_view path);
  // A lost write of `op` (of `f`, at `path`) that loses one structure of the aimed kind in
  // it (one image of a batch) and lands the rest. False, having done nothing, when there is
  // no aim or the write holds no such structure.
  bool lose_aimed(Inode& f, const FileOp& op, std::string_view path);
  // The offset of a durable structure of `f` to damage, drawn from the ones the run's aim
  // names (config().media_aim), or nullopt when there is none (or no aim).
  std::optional<std::pair<std::uint64_t, Region>> aimed_region(const Inode& f);
};

// Helpers shared by both files.
// Writes `len` bytes at `offset` of what a lost unit beyond the old size shows.
void write_exposure(ByteImage& image, std::uint64_t offset, std::uint64_t len, Exposure exposure,
                    Rng& rng);
// Forgets latent sectors and hinted structures that start at or beyond `size` (the file
// shrank past them).
void trim_latent(Inode& f, std::uint64_t size);

}  // namespace aurora::sim
