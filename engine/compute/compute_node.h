// ComputeNode: a database instance on top of the shared storage. It writes through
// mini-transactions and reads at its own read point through its own buffer pool.
//
//  - commit(mtr) returns once the storage acknowledged it (VDL >= its CPL); the node's
//    read point then moves to at least that CPL, so a node reads its own writes.
//  - read(page) reads at the node's read point; other nodes' writes become visible only
//    after refresh(), which moves the read point to the current VDL.
//  - The read point never exceeds VDL, and it is pinned in the storage so that GC never
//    collects what the node may still read.
//  - The buffer pool is a bounded LRU of pages keyed by (page, version at the read point):
//    an entry can only serve a read point whose version of the page is that version.
//
// It reaches the storage through a StorageService: the Storage itself, or a link to
// storage on another node over the network, which may crash or be cut off while the
// compute node lives on (then calls fail with kNodeDown or kTimeout until it is back; a
// commit that fails so may still have happened).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/compute/storage_service.h"
#include "engine/util/lru_cache.h"

namespace aurora::compute {

struct ComputeOptions {
  std::size_t buffer_pages = 64;
  // Who this node is, for the ids of its MTRs (storage_service.h MtrId): its node and that
  // node's incarnation (Runtime::node, Runtime::incarnation).
  NodeId node = 0;
  std::uint64_t incarnation = 1;
};

struct ComputeStats {
  std::uint64_t commits = 0;
  std::uint64_t reads = 0;
  std::uint64_t buffer_hits = 0;
  std::uint64_t buffer_misses = 0;
  std::uint64_t refreshes = 0;
};

class Mtr {
 public:
  // Writes `bytes` at `offset` of `page` when the MTR commits.
  void put(PageId page, std::uint32_t offset, std::span<const std::byte> bytes) {
    redo_.push_back({page, offset, {bytes.begin(), bytes.end()}});
  }
  bool empty() const { return redo_.empty(); }
  const std::vector<wal::Redo>& redo() const { return redo_; }

 private:
  std::vector<wal::Redo> redo_;
};

class ComputeNode {
 public:
  ComputeNode(StorageService& storage, std::string name, ComputeOptions options = {});
  // On the storage itself, in this node; `observer` hears of each commit on the storage.
  ComputeNode(storage::Storage& storage, std::string name, ComputeOptions options = {},
              CommitObserver observer = {});
  ~ComputeNode();
  ComputeNode(const ComputeNode&) = delete;
  ComputeNode& operator=(const ComputeNode&) = delete;

  // The id of this node's next MTR.
  MtrId new_mtr_id() { return MtrId{options_.node, options_.incarnation, ++mtr_seq_}; }
  // Commits the MTR under `id` (a new one when none is given); on success it is
  // acknowledged and visible to this node.
  Result<Lsn> commit(const Mtr& mtr) { return commit(mtr, new_mtr_id()); }
  Result<Lsn> commit(const Mtr& mtr, const MtrId& id);
  // The page at this node's read point.
  Result<std::vector<std::byte>> read(PageId page);
  // Moves the read point to the storage's current VDL and returns it.
  Result<Lsn> refresh();
  Lsn read_point() const { return read_point_; }
  const std::string& name() const { return name_; }
  const ComputeStats& stats() const { return stats_; }

 private:
  void start();
  void advance_to(Lsn at);

  std::unique_ptr<LocalStorage> local_;  // when built on a Storage directly
  StorageService& storage_;
  std::string name_;
  ComputeOptions options_;
  std::uint64_t mtr_seq_ = 0;
  // A read at the read point was refused (the storage no longer held it: it restarted and
  // collected before this node's pin reached it): the next read refreshes first.
  bool read_point_lost_ = false;
  Lsn read_point_ = 0;
  std::optional<ReadPointId> pin_;  // none while the storage was down at every attempt
  LruCache<std::pair<PageId, Lsn>, std::vector<std::byte>> pool_;  // (page, version)
  ComputeStats stats_;
};

}  // namespace aurora::compute
