// A FileSystem wrapper for crash-point sweeps: run the code under test once per k, with a
// crash at its k-th file-system call, and check what each crash leaves.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/runtime/file_system.h"
#include "sim/sim_fs.h"

namespace aurora::sim::testing {

// Forwards every call to a SimFs, and crashes that disk just before the call numbered
// `crash_before` (0-based): the caller sees that call and every later one fail as on a node
// that died. So crash_before = k is "crash after the k-th operation completed". (A crash
// while an operation is in flight is the same as one just before it: SimFs never completes
// an operation a crash interrupted.)
class CrashBeforeOp final : public FileSystem {
 public:
  CrashBeforeOp(SimFs& inner, std::uint64_t crash_before, CrashMode mode)
      : inner_(inner), crash_before_(crash_before), mode_(mode) {}

  // Crashes before the call `after` calls from now (0: the very next one).
  void arm(std::uint64_t after) { crash_before_ = ops_ + after; }

  bool crashed() const { return crashed_; }
  std::uint64_t ops() const { return ops_; }

  Result<FileHandle> open(std::string_view path, OpenMode mode) override {
    step();
    return inner_.open(path, mode);
  }
  Status close(FileHandle file) override {
    step();
    return inner_.close(file);
  }
  Result<std::size_t> pread(FileHandle file, std::uint64_t offset,
                            std::span<std::byte> out) override {
    step();
    return inner_.pread(file, offset, out);
  }
  Result<std::size_t> pwrite(FileHandle file, std::uint64_t offset,
                             std::span<const std::byte> data) override {
    step();
    return inner_.pwrite(file, offset, data);
  }
  Result<std::size_t> append(FileHandle file, std::span<const std::byte> data) override {
    step();
    return inner_.append(file, data);
  }
  Status truncate(FileHandle file, std::uint64_t size) override {
    step();
    return inner_.truncate(file, size);
  }
  Result<std::uint64_t> size(FileHandle file) override {
    step();
    return inner_.size(file);
  }
  Status sync(FileHandle file) override {
    step();
    return inner_.sync(file);
  }
  Status mkdir(std::string_view path) override {
    step();
    return inner_.mkdir(path);
  }
  Status sync_dir(std::string_view path) override {
    step();
    return inner_.sync_dir(path);
  }
  Status rename(std::string_view from, std::string_view to) override {
    step();
    return inner_.rename(from, to);
  }
  Status unlink(std::string_view path) override {
    step();
    return inner_.unlink(path);
  }
  Result<std::vector<std::string>> list(std::string_view dir) override {
    step();
    return inner_.list(dir);
  }
  Result<bool> exists(std::string_view path) override {
    step();
    return inner_.exists(path);
  }
  // Not an operation of the disk: it counts for no crash.
  void hint(FileHandle file, std::uint64_t offset, std::uint64_t length,
            std::string_view structure) override {
    inner_.hint(file, offset, length, structure);
  }

 private:
  void step() {
    if (ops_++ == crash_before_) {
      inner_.crash(mode_);
      crashed_ = true;
    }
  }

  SimFs& inner_;
  std::uint64_t crash_before_;
  CrashMode mode_;
  std::uint64_t ops_ = 0;
  bool crashed_ = false;
};

}  // namespace aurora::sim::testing
