// StorageServer: the storage's side of the compute-storage link. It serves the methods of
// storage_wire.h on the storage node, one fiber per request (rpc.h).
//
// Commits are applied once per MTR id: a retry (or a copy the network made) of a commit
// under way waits for it and gets its answer; one that already finished gets the answer
// it had. The ids live in memory, in this incarnation: a retry that reaches a restarted
// storage is refused (kNodeDown) rather than appended again, since this incarnation
// cannot know whether the first attempt survived recovery. The caller then reports the
// MTR's outcome unknown, and recovery decides it.
//
// Read points are pinned per calling node, under the caller's own pin ids, with a
// sequence number per pin so that a change the network delivered late never undoes a
// newer one. When a node's newer incarnation first calls, its older incarnation's pins
// are released: it crashed, and will never read at them.
#pragma once

#include <cstdint>
#include <map>
#include <memory>

#include "engine/compute/storage_service.h"
#include "engine/compute/storage_wire.h"
#include "engine/runtime/rpc.h"
#include "engine/runtime/sync.h"

namespace aurora::compute {

struct StorageServerStats {
  std::uint64_t commits = 0;        // MTRs appended (first attempts that reached commit)
  std::uint64_t retries_joined = 0; // retries and copies answered from an earlier attempt
  std::uint64_t retries_refused = 0;  // retries that reached another incarnation
};

class StorageServer {
 public:
  static constexpr Port kPort = 7000;
  // The most commit outcomes remembered; the oldest finished ones are forgotten first.
  static constexpr std::size_t kRememberedCommits = 4096;

  // Serves `storage` on port kPort of the runtime's node. `observer` hears of each commit
  // as it happens (storage_service.h).
  static Result<std::unique_ptr<StorageServer>> start(Runtime rt, storage::Volume& storage,
                                                      CommitObserver observer = {});
  ~StorageServer();
  StorageServer(const StorageServer&) = delete;
  StorageServer& operator=(const StorageServer&) = delete;

  Address address() const { return server_->address(); }
  const StorageServerStats& stats() const { return stats_; }
  // Whether a read point of `node` at or below `at` is pinned here now (a harness asks:
  // GC may pass a read point only when the storage no longer holds it).
  bool holds_read_point(NodeId node, Lsn at) const;

 private:
  struct Commit {
    explicit Commit(Scheduler& sched) : done(sched) {}
    Event done;
    std::optional<Result<Lsn>> outcome;
  };
  struct Pin {
    std::uint64_t seq = 0;
    std::optional<ReadPointId> held;  // none: unpinned (kept, so late changes stay undone)
    Lsn at = 0;
  };

  StorageServer(Runtime rt, storage::Volume& storage, CommitObserver observer)
      : rt_(rt), storage_(storage), observer_(std::move(observer)) {}
  Result<wire::Bytes> serve(const rpc::Request& req);
  // Notes the caller's incarnation; false when it is older than one already seen.
  bool admit(NodeId node, std::uint64_t incarnation);
  Result<Lsn> commit(const wire::CommitRequest& r);
  Status set_pin(NodeId node, const wire::PinRequest& r, bool unpin);
  wire::Bytes answer(wire::Method m, Lsn lsn = 0, wire::Bytes bytes = {}) const;
  // This storage's incarnation as its callers know it: the node's life, with the node in the
  // high bits, so that a writer taking over on another node is another incarnation too (a
  // retry sent there is refused like one reaching a restarted storage).
  std::uint64_t incarnation() const { return (std::uint64_t{rt_.node} << 40) | rt_.incarnation; }

  Runtime rt_;
  storage::Volume& storage_;
  CommitObserver observer_;
  std::unique_ptr<rpc::RpcServer> server_;
  std::map<MtrId, std::shared_ptr<Commit>> commits_;
  std::deque<MtrId> commit_order_;  // oldest first, for forgetting
  std::map<NodeId, std::uint64_t> incarnations_;  // the newest seen of each calling node
  std::map<std::pair<NodeId, std::uint64_t>, Pin> pins_;  // (node, its pin id)
  StorageServerStats stats_;
};

}  // namespace aurora::compute
