// ReadReplica: a read-only compute node of a quorum volume (DESIGN.md section 3). It hears
// the writer's redo stream (replica_feed.h) and keeps a cache of pages as of its read point,
// which is always a VDL the writer sent: when VDL advances, it applies every record at or
// below it, in LSN order, to the pages it caches, so that only whole MTRs are ever visible
// (a VDL is a CPL). Records of pages it does not cache are dropped; a page it misses is
// read from the storage at its read point. Records above VDL wait.
//
// A gap in the stream (a lost or late message, or a new writer's stream) loses records
// it cannot get back, so it drops its cache and what waits: reads go to the storage at its
// read point, and it caches pages again only once its read point has passed every record
// the gap may have held (each message says the highest LSN sent before it). A stream of an
// older epoch than one heard (a writer a newer one fenced) is ignored.
//
// The storage keeps every version for now (no GC): a replica's read point needs no pin.
#pragma once

#include <deque>
#include <map>
#include <memory>

#include "engine/compute/storage_service.h"
#include "engine/quorum/replica_feed.h"

namespace aurora::quorum {

struct ReplicaOptions {
  std::size_t buffer_pages = 64;
  std::uint32_t page_size = 4096;
};

struct ReplicaStats {
  std::uint64_t messages = 0;
  std::uint64_t records_applied = 0;  // to a cached page
  std::uint64_t restarts = 0;         // gaps and new writers: cache dropped
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;  // read from the storage
};

// A page as of read point `at`.
struct ReplicaPage {
  Lsn at = 0;
  std::vector<std::byte> bytes;
};

class ReadReplica {
 public:
  // Serves the feed on kReplicaPort of the runtime's node; misses go to `storage`.
  static Result<std::unique_ptr<ReadReplica>> start(Runtime rt, compute::StorageService& storage,
                                                    ReplicaOptions options);
  ~ReadReplica();
  ReadReplica(const ReadReplica&) = delete;
  ReadReplica& operator=(const ReadReplica&) = delete;

  // The page as of the read point (cached, or read from the storage at it). kBusy
  // until the first VDL is heard.
  Result<ReplicaPage> read(PageId page);
  Lsn read_point() const { return read_point_; }
  const ReplicaStats& stats() const { return stats_; }

  // One message of the stream (what the server hands it; public for tests).
  void on_message(const FeedMessage& m);

 private:
  ReadReplica(compute::StorageService& storage, ReplicaOptions options)
      : storage_(storage), options_(options) {}
  void restart(Lsn missed_up_to);
  void advance(Lsn vdl);
  void cache(PageId page, std::vector<std::byte> bytes);

  compute::StorageService& storage_;
  ReplicaOptions options_;
  std::unique_ptr<rpc::RpcServer> server_;
  Epoch epoch_ = 0;
  bool heard_ = false;       // a message of this epoch arrived
  std::uint64_t next_seq_ = 0;
  std::uint64_t generation_ = 0;  // grows with each restart and each read point
  Lsn read_point_ = 0;
  Lsn missed_up_to_ = 0;  // a gap may have lost records up to here: no caching below it
  std::map<Lsn, FeedRecord> waiting_;  // records above the read point
  std::map<PageId, std::vector<std::byte>> pages_;
  std::deque<PageId> order_;  // cached pages, oldest first (evicted first)
  ReplicaStats stats_;
};

}  // namespace aurora::quorum
