// FileSystem: the only way engine code reaches files and directories.
//
// Two implementations: PosixFileSystem (engine/runtime/posix/) on real files, and
// SimFs (sim/sim_fs.h), the simulated disk with the fault model of DESIGN.md section 5.
// The contract below is what both must honour; tests run against both where they can.
//
// Paths are relative to the file system's root, '/'-separated, without "." or ".."
// components ("wal/000001.log"). Directories must exist before files are created in them.
//
// Durability contract (the one the simulator enforces and real disks have):
//  - Data written to a file is durable only after a successful sync(handle).
//  - A new name (create, rename, unlink, mkdir) is durable only after a successful
//    sync_dir() of the directory that holds it.
//  - A failed sync() may have dropped the pending writes; retrying it proves nothing.
//
// In simulation every call may suspend the calling fiber (simulated latency), so call
// these only from fibers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/runtime/status.h"

namespace aurora {

// An open file. Handles are plain values; a handle becomes invalid when it is closed or
// when the node that opened it crashes (every call on it then returns kBadHandle).
struct FileHandle {
  std::uint64_t id = 0;
  bool valid() const { return id != 0; }
  friend bool operator==(FileHandle, FileHandle) = default;
};

enum class OpenMode : std::uint8_t {
  kOpenExisting,    // fails with kNotFound when absent
  kCreate,          // creates when absent, opens when present
  kCreateExclusive, // fails with kAlreadyExists when present
};

// "existing", "create" or "exclusive": for traces and error messages.
std::string_view open_mode_name(OpenMode mode);

class FileSystem {
 public:
  virtual ~FileSystem() = default;

  // Opens (and per `mode` creates) the file at `path`. On success returns a handle open
  // for reading and writing. Creating a file is a directory operation of its parent.
  virtual Result<FileHandle> open(std::string_view path, OpenMode mode) = 0;
  // Closes the handle. Closing does not sync anything, and never blocks the calling fiber
  // (destructors close files, and a destructor must not yield).
  virtual Status close(FileHandle file) = 0;

  // Reads up to out.size() bytes at `offset`. Returns the number read: fewer than asked
  // only when the file ends first. A read starting past the end is kOutOfRange.
  virtual Result<std::size_t> pread(FileHandle file, std::uint64_t offset,
                                    std::span<std::byte> out) = 0;
  // Writes `data` at `offset`, extending the file (with zeros) as needed. Returns the
  // number of bytes written, which may be fewer than asked (a short write); the caller
  // decides whether to write the rest. kNoSpace and kIoError write nothing.
  virtual Result<std::size_t> pwrite(FileHandle file, std::uint64_t offset,
                                     std::span<const std::byte> data) = 0;
  // Writes `data` at the current end of the file; same result contract as pwrite.
  virtual Result<std::size_t> append(FileHandle file, std::span<const std::byte> data) = 0;
  // Sets the file's size: shrinks it, or extends it with zeros.
  virtual Status truncate(FileHandle file, std::uint64_t size) = 0;
  // The file's current (live, not necessarily durable) size.
  virtual Result<std::uint64_t> size(FileHandle file) = 0;
  // Makes the file's data and size durable (fsync). Says nothing about its name.
  virtual Status sync(FileHandle file) = 0;

  // Creates a directory; its parent must exist.
  virtual Status mkdir(std::string_view path) = 0;
  // Makes the directory's entries (creations, renames, removals in it) durable.
  virtual Status sync_dir(std::string_view path) = 0;
  // Atomically replaces `to` with `from` (POSIX rename).
  virtual Status rename(std::string_view from, std::string_view to) = 0;
  // Removes the name; open handles to the file keep working.
  virtual Status unlink(std::string_view path) = 0;
  // The names in a directory (files and subdirectories), sorted.
  virtual Result<std::vector<std::string>> list(std::string_view dir) = 0;
  // Whether a name exists (live view).
  virtual Result<bool> exists(std::string_view path) = 0;

  // Says what the engine keeps at [offset, offset + length) of the file: `structure`, a
  // string literal ("wal.record", "image.slot", ...). It changes nothing the file system
  // does, and real disks ignore it; the simulated disk aims media faults at the structures
  // it was told of (a misdirected write onto another record, a bit flip in a header), so
  // that it never has to parse the engine's formats. A later hint at the same offset
  // replaces the earlier one; shrinking the file forgets those beyond its end.
  virtual void hint(FileHandle /*file*/, std::uint64_t /*offset*/, std::uint64_t /*length*/,
                    std::string_view /*structure*/) {}
};

// Helpers on top of the interface.

// Writes all of `data` at `offset`, continuing after short writes. A write that makes no
// progress is reported as kIoError rather than looping.
Status write_all(FileSystem& fs, FileHandle file, std::uint64_t offset,
                 std::span<const std::byte> data);
// Reads exactly out.size() bytes at `offset`; a file that ends first is kCorruption
// (the caller expected those bytes to be there). A read that fails with kIoError is tried
// again, up to kReadAttempts times in all: a read has no side effect, a transient error
// (DESIGN.md section 5) goes away, and one that stays (a latent sector error) is returned.
inline constexpr int kReadAttempts = 8;
Status read_exact(FileSystem& fs, FileHandle file, std::uint64_t offset, std::span<std::byte> out);

// mkdir that tolerates a directory left by an earlier, interrupted attempt.
Status ensure_dir(FileSystem& fs, const std::string& path);
// The directory holding `path` ("" for a name at the top).
std::string parent_dir(std::string_view path);

inline std::span<const std::byte> as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

}  // namespace aurora
