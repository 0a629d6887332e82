#include "engine/runtime/posix/posix_file_system.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <utility>

#include "engine/runtime/assert.h"

namespace aurora {
namespace {

constexpr std::uint64_t kMaxOffset = static_cast<std::uint64_t>(std::numeric_limits<off_t>::max());

// strerror_r comes in two flavours (GNU returns the text, XSI fills the buffer); overload
// on the result so either compiles. Not strerror(): it may share a static buffer.
[[maybe_unused]] const char* strerror_text(const char* gnu_result, const char* /*buf*/) {
  return gnu_result;
}
[[maybe_unused]] const char* strerror_text(int xsi_result, const char* buf) {
  return xsi_result == 0 ? buf : "unknown error";
}

std::string describe_errno(int err) {
  char buf[256] = {};
  const char* text = strerror_text(strerror_r(err, buf, sizeof buf), buf);
  return std::string(text) + " (errno " + std::to_string(err) + ")";
}

std::string quoted(std::string_view path) {
  std::string out = "'";
  out += path;
  out += "'";
  return out;
}

// "pwrite of 'wal/000001.log': No space left on device (errno 28)"
Status errno_status(int err, std::string_view op, std::string_view what) {
  std::string message(op);
  message += " of ";
  message += what;
  message += ": ";
  message += describe_errno(err);
  return Status(errno_to_error_kind(err), std::move(message));
}

int open_flags(OpenMode mode) {
  // Never O_APPEND: on Linux it makes every pwrite() on the fd append, ignoring offsets.
  int flags = O_RDWR | O_CLOEXEC;
  switch (mode) {
    case OpenMode::kOpenExisting:
      break;
    case OpenMode::kCreate:
      flags |= O_CREAT;
      break;
    case OpenMode::kCreateExclusive:
      flags |= O_CREAT | O_EXCL;
      break;
  }
  return flags;
}


}  // namespace

ErrorKind errno_to_error_kind(int err) {
  switch (err) {
    case EIO:
      return ErrorKind::kIoError;
    case ENOSPC:
      return ErrorKind::kNoSpace;
    case EDQUOT:
      return ErrorKind::kNoSpace;
    case ENOENT:
      return ErrorKind::kNotFound;
    case EEXIST:
      return ErrorKind::kAlreadyExists;
    case EBADF:
      return ErrorKind::kBadHandle;
    default:
      return ErrorKind::kIoError;
  }
}

PosixFileSystem::PosixFileSystem(std::string root) : root_(std::move(root)) {
  AURORA_ASSERT(!root_.empty(), "PosixFileSystem needs a root directory");
}

PosixFileSystem::~PosixFileSystem() {
  for (auto& [id, f] : open_) {
    // Nothing can act on a close error here, and close() never syncs anyway: data not
    // synced before the file system goes away was never promised to be durable.
    (void)::close(f.fd);
  }
}

Result<std::string> PosixFileSystem::resolve(std::string_view op, std::string_view path,
                                             bool allow_root) const {
  if (path.empty()) {
    if (allow_root) return root_;
    return Status::invalid_argument(std::string(op) + ": empty path");
  }
  if (path.front() == '/') {
    return Status::invalid_argument(std::string(op) + " of " + quoted(path) +
                                    ": absolute paths are not allowed (paths are relative "
                                    "to the file system's root)");
  }
  if (path.find('\0') != std::string_view::npos) {
    return Status::invalid_argument(std::string(op) + ": path contains a NUL byte");
  }
  std::string_view rest = path;
  while (true) {
    const std::size_t slash = rest.find('/');
    const std::string_view component = rest.substr(0, slash);
    if (component.empty() || component == "." || component == "..") {
      return Status::invalid_argument(std::string(op) + " of " + quoted(path) +
                                      ": empty, '.' and '..' components are not allowed");
    }
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  std::string full = root_;
  if (full.back() != '/') full += '/';
  full += path;
  return full;
}

Result<PosixFileSystem::OpenFile*> PosixFileSystem::lookup(std::string_view op, FileHandle file) {
  auto it = open_.find(file.id);
  if (it == open_.end()) {
    return Status::bad_handle(std::string(op) + ": handle " + std::to_string(file.id) +
                              " is not open (never opened, or already closed)");
  }
  return &it->second;
}

Result<std::uint64_t> PosixFileSystem::file_size(std::string_view op, const OpenFile& f) const {
  struct stat st {};
  if (::fstat(f.fd, &st) != 0) return errno_status(errno, op, quoted(f.path));
  return static_cast<std::uint64_t>(st.st_size);
}

Result<FileHandle> PosixFileSystem::open(std::string_view path, OpenMode mode) {
  Result<std::string> full = resolve("open", path);
  if (!full.is_ok()) return full.status();
  int fd;
  do {
    fd = ::open(full->c_str(), open_flags(mode), 0644);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return errno_status(errno, "open (" + std::string(open_mode_name(mode)) + ")", quoted(path));
  const std::uint64_t id = next_id_++;
  open_.emplace(id, OpenFile{fd, std::string(path)});
  return FileHandle{id};
}

Status PosixFileSystem::close(FileHandle file) {
  Result<OpenFile*> f = lookup("close", file);
  if (!f.is_ok()) return f.status();
  OpenFile closing = std::move(**f);
  open_.erase(file.id);  // the handle is dead whatever close() says
  // On Linux the fd is released even when close() fails (EINTR included), so it is
  // never retried: a retry could close an fd the OS has already handed to someone else.
  if (::close(closing.fd) != 0 && errno != EINTR) {
    return errno_status(errno, "close", quoted(closing.path));
  }
  return Status::ok();
}

Result<std::size_t> PosixFileSystem::pread(FileHandle file, std::uint64_t offset,
                                           std::span<std::byte> out) {
  Result<OpenFile*> found = lookup("pread", file);
  if (!found.is_ok()) return found.status();
  const OpenFile& f = **found;
  Result<std::uint64_t> size = file_size("pread", f);
  if (!size.is_ok()) return size.status();
  if (offset > *size) {
    return Status::out_of_range("pread of " + quoted(f.path) + " at offset " +
                                std::to_string(offset) + " starts past the end (size " +
                                std::to_string(*size) + ")");
  }
  // The contract allows a short read only at the end of the file, so keep reading until
  // the buffer is full or the OS reports end of file.
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t n =
        ::pread(f.fd, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_status(errno, "pread", quoted(f.path));
    }
    if (n == 0) break;  // end of file
    done += static_cast<std::size_t>(n);
  }
  return done;
}

Result<std::size_t> PosixFileSystem::pwrite(FileHandle file, std::uint64_t offset,
                                            std::span<const std::byte> data) {
  Result<OpenFile*> found = lookup("pwrite", file);
  if (!found.is_ok()) return found.status();
  const OpenFile& f = **found;
  if (offset > kMaxOffset || data.size() > kMaxOffset - offset) {
    return Status::invalid_argument("pwrite of " + quoted(f.path) + " at offset " +
                                    std::to_string(offset) + ": beyond the largest file size");
  }
  if (data.empty()) return std::size_t{0};
  // One write: a short count goes back to the caller, as the contract says (write_all()
  // continues). Only EINTR before anything was written is retried here.
  ssize_t n;
  do {
    n = ::pwrite(f.fd, data.data(), data.size(), static_cast<off_t>(offset));
  } while (n < 0 && errno == EINTR);
  if (n < 0) return errno_status(errno, "pwrite", quoted(f.path));
  return static_cast<std::size_t>(n);
}

Result<std::size_t> PosixFileSystem::append(FileHandle file, std::span<const std::byte> data) {
  Result<OpenFile*> found = lookup("append", file);
  if (!found.is_ok()) return found.status();
  Result<std::uint64_t> size = file_size("append", **found);
  if (!size.is_ok()) return size.status();
  return pwrite(file, *size, data);
}

Status PosixFileSystem::truncate(FileHandle file, std::uint64_t size) {
  Result<OpenFile*> found = lookup("truncate", file);
  if (!found.is_ok()) return found.status();
  const OpenFile& f = **found;
  if (size > kMaxOffset) {
    return Status::invalid_argument("truncate of " + quoted(f.path) + " to " +
                                    std::to_string(size) + ": beyond the largest file size");
  }
  int rc;
  do {
    rc = ::ftruncate(f.fd, static_cast<off_t>(size));
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) return errno_status(errno, "truncate", quoted(f.path));
  return Status::ok();
}

Result<std::uint64_t> PosixFileSystem::size(FileHandle file) {
  Result<OpenFile*> found = lookup("size", file);
  if (!found.is_ok()) return found.status();
  return file_size("size", **found);
}

Status PosixFileSystem::sync(FileHandle file) {
  Result<OpenFile*> found = lookup("sync", file);
  if (!found.is_ok()) return found.status();
  const OpenFile& f = **found;
  // fsync, not fdatasync: size changes (appends, truncations) must be durable too.
  // EINTR means the call was interrupted before it reported anything, so it is asked
  // again; a real failure is returned once and never retried (DESIGN.md invariant 11).
  int rc;
  do {
    rc = ::fsync(f.fd);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) return errno_status(errno, "fsync", quoted(f.path));
  return Status::ok();
}

Status PosixFileSystem::mkdir(std::string_view path) {
  Result<std::string> full = resolve("mkdir", path);
  if (!full.is_ok()) return full.status();
  if (::mkdir(full->c_str(), 0755) != 0) return errno_status(errno, "mkdir", quoted(path));
  return Status::ok();
}

Status PosixFileSystem::sync_dir(std::string_view path) {
  Result<std::string> full = resolve("sync_dir", path, /*allow_root=*/true);
  if (!full.is_ok()) return full.status();
  const std::string what = path.empty() ? std::string("the root directory") : quoted(path);
  int fd;
  do {
    fd = ::open(full->c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return errno_status(errno, "sync_dir (open)", what);
  int rc;
  do {
    rc = ::fsync(fd);
  } while (rc != 0 && errno == EINTR);
  const int fsync_errno = errno;
  (void)::close(fd);  // read-only directory fd: nothing to lose; the fsync result decides
  if (rc != 0) return errno_status(fsync_errno, "sync_dir (fsync)", what);
  return Status::ok();
}

Status PosixFileSystem::rename(std::string_view from, std::string_view to) {
  Result<std::string> full_from = resolve("rename", from);
  if (!full_from.is_ok()) return full_from.status();
  Result<std::string> full_to = resolve("rename", to);
  if (!full_to.is_ok()) return full_to.status();
  if (::rename(full_from->c_str(), full_to->c_str()) != 0) {
    return errno_status(errno, "rename", quoted(from) + " -> " + quoted(to));
  }
  return Status::ok();
}

Status PosixFileSystem::unlink(std::string_view path) {
  Result<std::string> full = resolve("unlink", path);
  if (!full.is_ok()) return full.status();
  if (::unlink(full->c_str()) != 0) return errno_status(errno, "unlink", quoted(path));
  return Status::ok();
}

Result<std::vector<std::string>> PosixFileSystem::list(std::string_view dir) {
  Result<std::string> full = resolve("list", dir, /*allow_root=*/true);
  if (!full.is_ok()) return full.status();
  const std::string what = dir.empty() ? std::string("the root directory") : quoted(dir);
  DIR* d = ::opendir(full->c_str());
  if (d == nullptr) return errno_status(errno, "list", what);
  std::vector<std::string> names;
  while (true) {
    errno = 0;  // readdir() returns null both at the end and on error; errno tells them apart
    const dirent* entry = ::readdir(d);
    if (entry == nullptr) break;
    const std::string_view name = entry->d_name;
    if (name == "." || name == "..") continue;
    names.emplace_back(name);
  }
  const int read_errno = errno;
  (void)::closedir(d);  // only fails for an invalid DIR*, which d is not
  if (read_errno != 0) return errno_status(read_errno, "list", what);
  std::sort(names.begin(), names.end());  // readdir order is the file system's, not ours
  return names;
}

Result<bool> PosixFileSystem::exists(std::string_view path) {
  Result<std::string> full = resolve("exists", path);
  if (!full.is_ok()) return full.status();
  struct stat st {};
  // lstat: the question is whether the name exists, not what it points to.
  if (::lstat(full->c_str(), &st) == 0) return true;
  if (errno == ENOENT || errno == ENOTDIR) return false;
  return errno_status(errno, "exists", quoted(path));
}

}  // namespace aurora
