#include "workloads/examples/ack_before_fsync_store.h"

#include <array>
#include <vector>

#include "engine/util/coding.h"

namespace aurora::examples {

Result<std::unique_ptr<AckBeforeFsyncStore>> AckBeforeFsyncStore::open(
    Runtime rt, std::string path, AckBeforeFsyncOptions options) {
  Result<FileHandle> file = rt.fs.open(path, OpenMode::kCreate);
  if (!file.is_ok()) return file.status();
  // The file's name must be durable before a put in it is: a crash could otherwise take
  // the new file away, acknowledged puts and all (the simulator found this one first).
  AURORA_RETURN_IF_ERROR(rt.fs.sync_dir(""));
  std::unique_ptr<AckBeforeFsyncStore> store(new AckBeforeFsyncStore(rt, *file, options));
  AURORA_RETURN_IF_ERROR(store->replay());
  return store;
}

// Every whole record, in order; a torn last record is dropped (it was never acknowledged
// by a store without the bug).
Status AckBeforeFsyncStore::replay() {
  Result<std::uint64_t> size = rt_.fs.size(file_);
  if (!size.is_ok()) return size.status();
  std::vector<std::byte> bytes(*size);
  AURORA_RETURN_IF_ERROR(read_exact(rt_.fs, file_, 0, bytes));
  for (std::size_t at = 0; at + kRecordSize <= bytes.size(); at += kRecordSize) {
    const std::span<const std::byte> record = std::span(bytes).subspan(at, kRecordSize);
    values_[coding::get<std::uint32_t>(record, 0)] = coding::get<std::uint32_t>(record, 4);
    end_ = at + kRecordSize;
  }
  return Status::ok();
}

Status AckBeforeFsyncStore::put(std::uint32_t key, std::uint32_t value) {
  std::array<std::byte, kRecordSize> record{};
  coding::put<std::uint32_t>(record, 0, key);
  coding::put<std::uint32_t>(record, 4, value);
  AURORA_RETURN_IF_ERROR(write_all(rt_.fs, file_, end_, record));
  end_ += kRecordSize;
  if (!options_.ack_before_fsync || ++unsynced_ >= options_.sync_every) {
    AURORA_RETURN_IF_ERROR(sync());
  }
  values_[key] = value;
  return Status::ok();
}

std::optional<std::uint32_t> AckBeforeFsyncStore::get(std::uint32_t key) const {
  const auto it = values_.find(key);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

Status AckBeforeFsyncStore::sync() {
  unsynced_ = 0;
  return rt_.fs.sync(file_);
}

}  // namespace aurora::examples
