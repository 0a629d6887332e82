// What a compute node needs from the storage, as an interface with two implementations:
//
//   LocalStorage   the Storage object itself, in the same node (the demo, the REPL, most
//                  tests): every call goes straight to it.
//   RemoteStorage  the storage on another node, over the network (remote_storage.h): every
//                  call is a request with a deadline, and a commit whose answer is lost
//                  comes back kTimeout: it may or may not have happened.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "engine/storage/storage.h"

namespace aurora::compute {

using storage::Lsn;
using storage::PageId;
using storage::ReadPointId;

// A mini-transaction's identity: the node that made it, that node's incarnation, and its
// number there. A retried commit carries the same id, and the storage appends it once.
struct MtrId {
  NodeId node = 0;
  std::uint64_t incarnation = 0;
  std::uint64_t seq = 0;
  friend auto operator<=>(const MtrId&, const MtrId&) = default;
};
std::string to_string(const MtrId& id);  // "n2.1.17"

// Who must hear of each commit at the moment it happens on the storage, by MTR id and with
// its records as the storage received them (a model of what was written, in tests, the
// simulation and `sim real`): the hooks for that one MTR.
using CommitObserver =
    std::function<storage::CommitHooks(const MtrId&, std::span<const wal::Redo>)>;

class StorageService {
 public:
  virtual ~StorageService() = default;
  // See storage::Storage for each call's meaning. A storage that is down answers kNodeDown
  // (a remote one may answer kTimeout instead: no answer came).
  virtual Result<Lsn> commit(const MtrId& id, std::span<const wal::Redo> mtr) = 0;
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
  explicit LocalStorage(storage::Volume& s, CommitObserver observer = {})
      : s_(s), observer_(std::move(observer)) {}
  Result<Lsn> commit(const MtrId& id, std::span<const wal::Redo> mtr) override {
    return s_.commit(mtr, observer_ ? observer_(id, mtr) : storage::CommitHooks{});
  }
  Result<std::vector<std::byte>> read(PageId page, Lsn at) override { return s_.read(page, at); }
  Result<Lsn> version_at(PageId page, Lsn at) override { return s_.version_at(page, at); }
  Result<Lsn> vdl() override { return s_.vdl(); }
  Status sync() override { return s_.sync(); }
  Result<ReadPointId> pin(Lsn at) override { return s_.pin(at); }
  void move(ReadPointId id, Lsn at) override { s_.move(id, at); }
  void unpin(ReadPointId id) override { s_.unpin(id); }

 private:
  storage::Volume& s_;
  CommitObserver observer_;
};

}  // namespace aurora::compute
