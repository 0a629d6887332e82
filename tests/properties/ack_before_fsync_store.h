// A deliberately broken key-value store, for showing that the properties shrink a failure
// to a short reproduction (shrinking_test.cc). It is not the engine and nothing else uses
// it.
//
// Each put appends an 8-byte record (key, value) to one file; recovery replays the file.
// The bug: with `ack_before_fsync`, a put is acknowledged as soon as its record is
// written, and the file is fsynced only every `sync_every` puts, so a crash loses
// acknowledged puts. Without it, every put is fsynced before it is acknowledged.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "engine/runtime/runtime.h"

namespace aurora::properties {

struct BrokenStoreOptions {
  bool ack_before_fsync = true;
  std::uint32_t sync_every = 3;
};

class AckBeforeFsyncStore {
 public:
  // Opens (creating, or replaying) the store's file `path`.
  static Result<std::unique_ptr<AckBeforeFsyncStore>> open(Runtime rt, std::string path,
                                                           BrokenStoreOptions options);
  Status put(std::uint32_t key, std::uint32_t value);
  std::optional<std::uint32_t> get(std::uint32_t key) const;
  Status sync();

 private:
  AckBeforeFsyncStore(Runtime rt, FileHandle file, BrokenStoreOptions options)
      : rt_(rt), file_(file), options_(options) {}
  Status replay();

  Runtime rt_;
  FileHandle file_;
  BrokenStoreOptions options_;
  std::uint64_t end_ = 0;  // where the next record goes
  std::uint32_t unsynced_ = 0;
  std::map<std::uint32_t, std::uint32_t> values_;
};

}  // namespace aurora::properties
