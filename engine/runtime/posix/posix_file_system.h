// PosixFileSystem: the FileSystem seam (engine/runtime/file_system.h) on real files.
//
// Every path is relative to the root directory given to the constructor; absolute paths
// and "", "." or ".." components are kInvalidArgument, so the engine cannot step outside
// its root. The directory operations sync_dir() and list() also accept "" for the root
// itself (files created at the top level live there).
//
// Handles are ids from a table (id -> fd, path), monotonic and never reused: a closed or
// unknown handle is kBadHandle and no stale fd ever reaches the OS, even when the OS has
// handed the same fd number to a newer file.
//
// errno becomes an ErrorKind (errno_to_error_kind below); messages name the operation,
// the path and strerror. Single-threaded like the rest of the runtime: the engine calls
// it from fibers of one scheduler on one OS thread, so there is no locking.
//
// This directory is the only place in engine/ that may include POSIX headers; this
// header itself includes none, so code holding a PosixFileSystem stays clean.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/runtime/file_system.h"
#include "engine/runtime/status.h"

namespace aurora {

// EIO -> kIoError, ENOSPC/EDQUOT -> kNoSpace, ENOENT -> kNotFound,
// EEXIST -> kAlreadyExists, EBADF -> kBadHandle, anything else -> kIoError.
ErrorKind errno_to_error_kind(int err);

class PosixFileSystem final : public FileSystem {
 public:
  // `root` is an existing directory (absolute, or relative to the process's working
  // directory). A missing root is not checked here: operations report kNotFound.
  explicit PosixFileSystem(std::string root);
  // Closes every handle still open (without syncing, like close()).
  ~PosixFileSystem() override;
  PosixFileSystem(const PosixFileSystem&) = delete;
  PosixFileSystem& operator=(const PosixFileSystem&) = delete;

  const std::string& root() const { return root_; }
  // Number of handles currently open (for tests and leak checks).
  std::size_t open_handle_count() const { return open_.size(); }

  // FileSystem (see engine/runtime/file_system.h for the contract).
  Result<FileHandle> open(std::string_view path, OpenMode mode) override;
  Status close(FileHandle file) override;
  Result<std::size_t> pread(FileHandle file, std::uint64_t offset,
                            std::span<std::byte> out) override;
  Result<std::size_t> pwrite(FileHandle file, std::uint64_t offset,
                             std::span<const std::byte> data) override;
  Result<std::size_t> append(FileHandle file, std::span<const std::byte> data) override;
  Status truncate(FileHandle file, std::uint64_t size) override;
  Result<std::uint64_t> size(FileHandle file) override;
  Status sync(FileHandle file) override;
  Status mkdir(std::string_view path) override;
  Status sync_dir(std::string_view path) override;
  Status rename(std::string_view from, std::string_view to) override;
  Status unlink(std::string_view path) override;
  Result<std::vector<std::string>> list(std::string_view dir) override;
  Result<bool> exists(std::string_view path) override;

 private:
  struct OpenFile {
    int fd = -1;
    std::string path;  // as given to open(); names the file in messages (stale after rename)
  };

  // Validates `path` and joins it to the root. `allow_root` lets "" mean the root.
  Result<std::string> resolve(std::string_view op, std::string_view path,
                              bool allow_root = false) const;
  // The open file behind `file`, or kBadHandle.
  Result<OpenFile*> lookup(std::string_view op, FileHandle file);
  // The file's current size through fstat.
  Result<std::uint64_t> file_size(std::string_view op, const OpenFile& f) const;

  std::string root_;
  std::map<std::uint64_t, OpenFile> open_;  // ordered: the destructor closes in id order
  std::uint64_t next_id_ = 1;               // 0 is the invalid handle
};

}  // namespace aurora
