// RemoteStorage: a compute node's link to the storage on another node of the world.
//
// commit, read and sync run in a fiber on the storage node (as a request would), while
// the calling fiber waits for the answer. When the storage node crashes, the world kills
// that fiber, and disconnect() fails every call still under way with kNodeDown, so the
// caller never stays parked on a queue of a storage that no longer exists. The small
// synchronous calls (vdl, version_at, pins) read the storage directly, as a cached
// answer of the last message would.
//
// A compute node survives a storage crash: its read point is at most the VDL before the
// crash, which recovery never goes below (DESIGN.md invariant 4), so its buffer pool stays
// valid. connect() re-establishes its pins on the recovered storage.
#pragma once

#include <cstdint>
#include <map>
#include <memory>

#include "engine/compute/storage_service.h"
#include "engine/runtime/runtime.h"
#include "engine/runtime/sync.h"

namespace aurora::compute {

class RemoteStorage final : public StorageService {
 public:
  explicit RemoteStorage(Scheduler& sched) : sched_(sched) {}
  ~RemoteStorage() override { disconnect(); }
  RemoteStorage(const RemoteStorage&) = delete;
  RemoteStorage& operator=(const RemoteStorage&) = delete;

  // The storage is open (recovered) on the node of `storage_rt`: calls go to it.
  void connect(storage::Storage& storage, Runtime storage_rt);
  // The storage went down: calls under way and later ones fail with kNodeDown.
  void disconnect();
  bool connected() const { return storage_ != nullptr; }

  Result<Lsn> commit(std::span<const wal::Redo> mtr,
                     const storage::CommitHooks& hooks) override;
  Result<std::vector<std::byte>> read(PageId page, Lsn at) override;
  Result<Lsn> version_at(PageId page, Lsn at) override;
  Result<Lsn> vdl() override;
  Status sync() override;
  Result<ReadPointId> pin(Lsn at) override;
  void move(ReadPointId id, Lsn at) override;
  void unpin(ReadPointId id) override;

 private:
  // Runs `work` on the storage node and waits for its answer (or the storage's crash).
  // Everything the work touches is its own or shared: the caller may die first.
  template <class T>
  Result<T> call(const char* what, std::function<Result<T>(storage::Storage&)> work);
  Status down(const char* what) const;

  Scheduler& sched_;
  storage::Storage* storage_ = nullptr;
  NodeId storage_node_ = 0;
  std::unique_ptr<Runtime> storage_rt_;
  std::map<std::uint64_t, std::function<void()>> under_way_;  // fails the call: crashed
  std::uint64_t next_call_ = 1;
  // Pins by this link's own ids (stable across storage restarts) -> (read point, the
  // storage's id for it in the current connection).
  std::map<ReadPointId, std::pair<Lsn, ReadPointId>> pins_;
  ReadPointId next_pin_ = 1;
};

}  // namespace aurora::compute
