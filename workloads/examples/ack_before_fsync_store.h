// Example: a key-value store that acknowledges before fsync (README.md here). It is not
// the engine. tests/properties/shrinking_test.cc shrinks its rapidcheck property, and
// the example workload (example_workload.h) runs it under crashes in the simulator.
//
// Each put appends an 8-byte record (key, value; little-endian u32 each) to one file;
// recovery replays the file's whole records in order, dropping a torn last one.
// The bug: with `ack_before_fsync`, a put is acknowledged as soon as its record is
// written, and the file is fsynced only every `sync_every` puts, so a crash loses
// acknowledged puts (or, when a later record survives without an earlier one, shows the
// hole as a record of zeros). Without it, every put is fsynced before it is acknowledged.
// The file's directory entry is made durable (fsync of the directory) when it is opened.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "engine/runtime/runtime.h"
#include "workloads/examples/example_store.h"

namespace aurora::examples {

struct AckBeforeFsyncOptions {
  bool ack_before_fsync = true;  // the bug; false: fsync before every acknowledgement
  std::uint32_t sync_every = 3;  // with the bug: the puts between two fsyncs
};

class AckBeforeFsyncStore final : public ExampleStore {
 public:
  static constexpr std::size_t kRecordSize = 8;

  // Opens (creating, or replaying) the store's file `path`.
  static Result<std::unique_ptr<AckBeforeFsyncStore>> open(Runtime rt, std::string path,
                                                           AckBeforeFsyncOptions options);
  Status put(std::uint32_t key, std::uint32_t value) override;
  std::optional<std::uint32_t> get(std::uint32_t key) const override;
  Status sync();

 private:
  AckBeforeFsyncStore(Runtime rt, FileHandle file, AckBeforeFsyncOptions options)
      : rt_(rt), file_(file), options_(options) {}
  Status replay();

  Runtime rt_;
  FileHandle file_;
  AckBeforeFsyncOptions options_;
  std::uint64_t end_ = 0;  // where the next record goes
  std::uint32_t unsynced_ = 0;
  std::map<std::uint32_t, std::uint32_t> values_;
};

}  // namespace aurora::examples
