// Example: a checksummed append-only log that takes a checksum failure for its end
// (README.md here). It is not the engine; the example workload (example_workload.h) runs
// it under crashes, torn writes and bit flips in the simulator.
//
// Files, in the root directory of the node's disk:
//
//   log   records of kRecordSize = 12 bytes, one per put, at offset 12 * i:
//           key u32 | value u32 | crc u32
//         crc = crc32c(i as u64 | key | value), all little-endian. The record's index is
//         in the checksum, so a record of zeros, or one read at the wrong place, fails.
//   end   the log's durable end, twice: kEndSize = 2 * kEndCopySize = 24 bytes, each copy
//         end u64 | crc u32 with crc = crc32c(end as u64) ^ kEndMagic. Replaced whole:
//         written to end.tmp, fsynced, renamed over end, and the directory fsynced. Two
//         copies, so that one damaged copy (a bit flip) costs nothing: recovery uses the
//         other and writes `end` again.
//
// A put writes its record, fsyncs the log, then records the new end in `end`; only then
// is it acknowledged. So every acknowledged record lies below the end that `end` holds,
// and a record at or after that end was never acknowledged.
//
// Recovery scans the records from the start. A record that fails its checksum (or a
// partial record) at or after the durable end is a torn tail: it and everything after it
// are cut off (truncated, fsynced, and the new end recorded). One below the durable end
// is corruption: open fails with kCorruption, loudly, and cuts nothing (DESIGN.md
// invariant 10). A log shorter than its durable end, or an `end` whose two copies both
// fail their checksums (or disagree), is corruption too.
//
// The bug: with `checksum_is_end`, a checksum failure anywhere is taken as the end of the
// log, even below the durable end. A bit flip in an acknowledged record (a media fault)
// then silently truncates the log there, and the acknowledged records from it on vanish.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>

#include "engine/runtime/runtime.h"
#include "workloads/examples/example_store.h"

namespace aurora::examples {

struct ChecksumEndLogOptions {
  bool checksum_is_end = true;  // the bug; false: a bad record below the end is corruption
};

// What the last open found, for tests and traces.
struct ChecksumEndLogRecovery {
  std::uint64_t records = 0;           // valid records kept
  std::uint64_t durable_end = 0;       // the end `end` held (0 when absent)
  std::uint64_t cut_at = 0;            // where the log was cut (== the kept end)
  std::uint64_t bytes_cut = 0;         // bytes cut off after it (0: nothing to cut)
  bool cut_below_durable_end = false;  // only with the bug: acknowledged records cut
  bool end_repaired = false;           // one copy in `end` was damaged and rewritten
};

class ChecksumEndLog final : public ExampleStore {
 public:
  static constexpr std::size_t kRecordSize = 12;
  static constexpr std::size_t kEndCopySize = 12;
  static constexpr std::size_t kEndSize = 2 * kEndCopySize;
  static constexpr std::uint32_t kEndMagic = 0x454e4421;  // "END!"
  static constexpr const char* kLogPath = "log";
  static constexpr const char* kEndPath = "end";
  static constexpr const char* kEndTempPath = "end.tmp";

  // Opens the log (creating it, or recovering it as described above).
  static Result<std::unique_ptr<ChecksumEndLog>> open(Runtime rt, ChecksumEndLogOptions options);
  ~ChecksumEndLog() override;
  ChecksumEndLog(const ChecksumEndLog&) = delete;
  ChecksumEndLog& operator=(const ChecksumEndLog&) = delete;

  Status put(std::uint32_t key, std::uint32_t value) override;
  std::optional<std::uint32_t> get(std::uint32_t key) const override;
  const ChecksumEndLogRecovery& recovery() const { return recovery_; }

 private:
  ChecksumEndLog(Runtime rt, FileHandle log, ChecksumEndLogOptions options)
      : rt_(rt), log_(log), options_(options) {}
  Status recover();
  Status write_end(std::uint64_t end);

  Runtime rt_;
  FileHandle log_;
  ChecksumEndLogOptions options_;
  std::uint64_t end_ = 0;  // where the next record goes; durable and recorded in `end`
  bool stopped_ = false;   // a write or fsync failed: nothing more is acknowledged
  ChecksumEndLogRecovery recovery_;
  std::map<std::uint32_t, std::uint32_t> values_;
};

}  // namespace aurora::examples
