#include "workloads/examples/checksum_end_log.h"

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/util/coding.h"
#include "engine/util/crc32c.h"

namespace aurora::examples {

namespace {

static_assert(ChecksumEndLog::kRecordSize == 4 + 4 + 4, "key u32 | value u32 | crc u32");
static_assert(ChecksumEndLog::kEndCopySize == 8 + 4, "end u64 | crc u32");
static_assert(ChecksumEndLog::kEndSize == 2 * ChecksumEndLog::kEndCopySize, "two copies");

std::uint32_t record_crc(std::uint64_t index, std::uint32_t key, std::uint32_t value) {
  std::array<std::byte, 16> covered{};
  coding::put<std::uint64_t>(covered, 0, index);
  coding::put<std::uint32_t>(covered, 8, key);
  coding::put<std::uint32_t>(covered, 12, value);
  return crc32c::value(covered);
}

std::uint32_t end_crc(std::uint64_t end) {
  std::array<std::byte, 8> covered{};
  coding::put<std::uint64_t>(covered, 0, end);
  return crc32c::value(covered) ^ ChecksumEndLog::kEndMagic;
}

// One copy of the end, when its checksum holds.
std::optional<std::uint64_t> decode_end_copy(std::span<const std::byte> copy) {
  const auto end = coding::get<std::uint64_t>(copy, 0);
  if (coding::get<std::uint32_t>(copy, 8) != end_crc(end)) return std::nullopt;
  return end;
}

// Reads durable bytes at recovery. A read that still fails after read_exact's retries is a
// sector that stays unreadable (a media fault): the data is lost, and that is reported as
// corruption, not as an error a restart could cure.
Status read_durable(Runtime rt, FileHandle file, std::string_view path, std::span<std::byte> out) {
  const Status s = read_exact(rt.fs, file, 0, out);
  if (s.kind() != ErrorKind::kIoError) return s;
  return Status::corruption(std::string(path) + ": unreadable: " + s.to_string());
}

struct DurableEnd {
  std::uint64_t end = 0;
  bool damaged = false;  // one copy failed its checksum: `end` needs writing again
};

// The durable end recorded in `end`, 0 when there is none yet.
Result<DurableEnd> read_durable_end(Runtime rt) {
  Result<bool> present = rt.fs.exists(ChecksumEndLog::kEndPath);
  if (!present.is_ok()) return present.status();
  if (!*present) return DurableEnd{};
  Result<FileHandle> file = rt.fs.open(ChecksumEndLog::kEndPath, OpenMode::kOpenExisting);
  if (!file.is_ok()) return file.status();
  std::array<std::byte, ChecksumEndLog::kEndSize> bytes{};
  Status s = Status::ok();
  Result<std::uint64_t> size = rt.fs.size(*file);
  if (!size.is_ok()) {
    s = size.status();
  } else if (*size != bytes.size()) {
    s = Status::corruption("end: holds " + std::to_string(*size) + " bytes, not " +
                           std::to_string(bytes.size()));
  } else {
    s = read_durable(rt, *file, ChecksumEndLog::kEndPath, bytes);
  }
  const Status closed = rt.fs.close(*file);
  AURORA_RETURN_IF_ERROR(s);
  AURORA_RETURN_IF_ERROR(closed);
  const std::span<const std::byte> all(bytes);
  const std::optional<std::uint64_t> first =
      decode_end_copy(all.first(ChecksumEndLog::kEndCopySize));
  const std::optional<std::uint64_t> second =
      decode_end_copy(all.last(ChecksumEndLog::kEndCopySize));
  if (!first && !second) return Status::corruption("end: both copies fail their checksums");
  if (first && second && *first != *second) {
    return Status::corruption("end: the copies disagree (" + std::to_string(*first) + " and " +
                              std::to_string(*second) + ")");
  }
  const std::uint64_t end = first ? *first : *second;
  if (end % ChecksumEndLog::kRecordSize != 0) {
    return Status::corruption("end: " + std::to_string(end) + " is not a record boundary");
  }
  return DurableEnd{.end = end, .damaged = !first || !second};
}

}  // namespace

Result<std::unique_ptr<ChecksumEndLog>> ChecksumEndLog::open(Runtime rt,
                                                             ChecksumEndLogOptions options) {
  Result<FileHandle> log = rt.fs.open(kLogPath, OpenMode::kCreate);
  if (!log.is_ok()) return log.status();
  std::unique_ptr<ChecksumEndLog> store(new ChecksumEndLog(rt, *log, options));
  // The log's name must be durable before a record in it is acknowledged.
  AURORA_RETURN_IF_ERROR(rt.fs.sync_dir(""));
  AURORA_RETURN_IF_ERROR(store->recover());
  return store;
}

ChecksumEndLog::~ChecksumEndLog() {
  // Closing syncs nothing and cannot lose anything; after a crash the handle is already
  // dead and close says so, which is no news.
  rt_.fs.close(log_).ignore();
}

Status ChecksumEndLog::recover() {
  Result<DurableEnd> recorded = read_durable_end(rt_);
  if (!recorded.is_ok()) return recorded.status();
  const std::uint64_t durable_end = recorded->end;
  recovery_.durable_end = durable_end;
  recovery_.end_repaired = recorded->damaged;
  Result<std::uint64_t> size = rt_.fs.size(log_);
  if (!size.is_ok()) return size.status();
  if (*size < durable_end) {
    return Status::corruption("log: holds " + std::to_string(*size) +
                              " bytes, below its durable end " + std::to_string(durable_end));
  }
  std::vector<std::byte> bytes(*size);
  AURORA_RETURN_IF_ERROR(read_durable(rt_, log_, kLogPath, bytes));

  std::uint64_t at = 0;
  for (; at + kRecordSize <= bytes.size(); at += kRecordSize) {
    const std::span<const std::byte> record = std::span(bytes).subspan(at, kRecordSize);
    const auto key = coding::get<std::uint32_t>(record, 0);
    const auto value = coding::get<std::uint32_t>(record, 4);
    if (coding::get<std::uint32_t>(record, 8) != record_crc(at / kRecordSize, key, value)) break;
    values_[key] = value;
    ++recovery_.records;
  }
  if (at < durable_end) {
    // A bad record inside the durable part: every record here was acknowledged.
    if (!options_.checksum_is_end) {
      return Status::corruption("log: record " + std::to_string(at / kRecordSize) + " at offset " +
                                std::to_string(at) + " fails its checksum below the durable end " +
                                std::to_string(durable_end));
    }
    recovery_.cut_below_durable_end = true;  // THE BUG: taken for the end of the log
  }
  recovery_.cut_at = at;
  recovery_.bytes_cut = bytes.size() - at;
  if (at < bytes.size()) {
    // A torn tail (or, with the bug, more): cut off durably, so that a stale record left
    // after it can never be read as part of the log once new records fill the gap.
    AURORA_RETURN_IF_ERROR(rt_.fs.truncate(log_, at));
    AURORA_RETURN_IF_ERROR(rt_.fs.sync(log_));
  }
  // Valid records after the recorded end were fsynced but never acknowledged (a crash
  // came before `end` was rewritten); from now on they are part of the log. A damaged
  // copy of the end is written again, so that a second flip cannot take the other one.
  if (at != durable_end || recorded->damaged) AURORA_RETURN_IF_ERROR(write_end(at));
  end_ = at;
  rt_.events.emit("example.log_recovered",
                  {{"records", recovery_.records},
                   {"durable_end", recovery_.durable_end},
                   {"cut_at", recovery_.cut_at},
                   {"bytes_cut", recovery_.bytes_cut},
                   {"cut_below_durable_end", recovery_.cut_below_durable_end},
                   {"end_repaired", recovery_.end_repaired}});
  return Status::ok();
}

Status ChecksumEndLog::put(std::uint32_t key, std::uint32_t value) {
  if (stopped_) return Status::stopped("log: an earlier write or fsync failed");
  std::array<std::byte, kRecordSize> record{};
  coding::put<std::uint32_t>(record, 0, key);
  coding::put<std::uint32_t>(record, 4, value);
  coding::put<std::uint32_t>(record, 8, record_crc(end_ / kRecordSize, key, value));
  Status s = write_all(rt_.fs, log_, end_, record);
  if (s.is_ok()) s = rt_.fs.sync(log_);
  if (s.is_ok()) s = write_end(end_ + kRecordSize);
  if (!s.is_ok()) {
    stopped_ = true;  // never retry an fsync: recovery decides what is durable
    return s;
  }
  end_ += kRecordSize;
  values_[key] = value;
  return Status::ok();
}

std::optional<std::uint32_t> ChecksumEndLog::get(std::uint32_t key) const {
  const auto it = values_.find(key);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

// Replaces `end` whole: a crash leaves the old end or the new one, never a torn one.
Status ChecksumEndLog::write_end(std::uint64_t end) {
  std::array<std::byte, kEndSize> bytes{};
  for (std::size_t at : {std::size_t{0}, kEndCopySize}) {
    coding::put<std::uint64_t>(bytes, at, end);
    coding::put<std::uint32_t>(bytes, at + 8, end_crc(end));
  }
  Result<FileHandle> temp = rt_.fs.open(kEndTempPath, OpenMode::kCreate);
  if (!temp.is_ok()) return temp.status();
  Status s = write_all(rt_.fs, *temp, 0, bytes);
  if (s.is_ok()) s = rt_.fs.sync(*temp);
  const Status closed = rt_.fs.close(*temp);
  AURORA_RETURN_IF_ERROR(s);
  AURORA_RETURN_IF_ERROR(closed);
  AURORA_RETURN_IF_ERROR(rt_.fs.rename(kEndTempPath, kEndPath));
  return rt_.fs.sync_dir("");
}

}  // namespace aurora::examples
