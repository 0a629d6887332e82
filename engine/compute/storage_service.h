// What a compute node needs from the storage, as an interface with two implementations:
//
//   LocalStorage   the Storage object itself, in the same node (the demo, the REPL, most
//                  tests): every call goes straight to it.
//   RemoteStorage  the storage on another node of the world (remote_storage.h): a call runs
//                  in a fiber on the storage node while the caller waits, and a crash of the
//                  storage node fails the calls under way instead of leaving the caller
//                  parked on the dead storage's queues. A compute node survives it.
#pragma once

#include <functional>
#include <span>
#include <vector>

#include "engine/storage/storage.h"

namespace aurora::compute {

using storage::Lsn;
using storage::PageId;
using storage::ReadPointId;

class StorageService {
 public:
  virtual ~StorageService() = default;
  // See storage::Storage for each call's meaning. A storage that is down answers
  // kNodeDown.
  virtual Result<Lsn> commit(std::span<const wal::Redo> mtr,
                             const storage::CommitHooks& hooks) = 0;
  virtual Result<std::vector<std::byte>> read(PageId page, Lsn at) = 0;
  virtual Result<Lsn> version_at(PageId page, Lsn at) = 0;
  virtual Result<Lsn> vdl() = 0;
  virtual Status sync() = 0;
  virtual Result<ReadPointId> pin(Lsn at) = 0;
  virtual void move(ReadPointId id, Lsn at) = 0;
  virtual void unpin(ReadPointId id) = 0;
};

class LocalStorage final : public StorageService {
 public:
  explicit LocalStorage(storage::Storage& s) : s_(s) {}
  Result<Lsn> commit(std::span<const wal::Redo> mtr,
                     const storage::CommitHooks& hooks) override {
    return s_.commit(mtr, hooks);
  }
  Result<std::vector<std::byte>> read(PageId page, Lsn at) override { return s_.read(page, at); }
  Result<Lsn> version_at(PageId page, Lsn at) override { return s_.version_at(page, at); }
  Result<Lsn> vdl() override { return s_.vdl(); }
  Status sync() override { return s_.sync(); }
  Result<ReadPointId> pin(Lsn at) override { return s_.pin(at); }
  void move(ReadPointId id, Lsn at) override { s_.move(id, at); }
  void unpin(ReadPointId id) override { s_.unpin(id); }

 private:
  storage::Storage& s_;
};

}  // namespace aurora::compute
