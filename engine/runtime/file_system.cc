#include "engine/runtime/file_system.h"

namespace aurora {

std::string_view open_mode_name(OpenMode mode) {
  switch (mode) {
    case OpenMode::kOpenExisting: return "existing";
    case OpenMode::kCreate: return "create";
    case OpenMode::kCreateExclusive: return "exclusive";
  }
  return "?";
}

Status ensure_dir(FileSystem& fs, const std::string& path) {
  Status s = fs.mkdir(path);
  return s.kind() == ErrorKind::kAlreadyExists ? Status::ok() : s;
}

std::string parent_dir(std::string_view path) {
  const auto slash = path.rfind('/');
  return slash == std::string_view::npos ? std::string() : std::string(path.substr(0, slash));
}

Status write_all(FileSystem& fs, FileHandle file, std::uint64_t offset,
                 std::span<const std::byte> data) {
  while (!data.empty()) {
    Result<std::size_t> n = fs.pwrite(file, offset, data);
    if (!n.is_ok()) return n.status();
    if (*n == 0) return Status::io_error("write made no progress");
    offset += *n;
    data = data.subspan(*n);
  }
  return Status::ok();
}

Status read_exact(FileSystem& fs, FileHandle file, std::uint64_t offset,
                  std::span<std::byte> out) {
  int failures = 0;
  while (!out.empty()) {
    Result<std::size_t> n = fs.pread(file, offset, out);
    if (!n.is_ok() && n.kind() == ErrorKind::kIoError && ++failures < kReadAttempts) continue;
    if (!n.is_ok()) return n.status();
    if (*n == 0) return Status::corruption("file ends before the expected bytes");
    offset += *n;
    out = out.subspan(*n);
  }
  return Status::ok();
}

}  // namespace aurora
