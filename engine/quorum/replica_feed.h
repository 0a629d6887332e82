// The redo stream from a quorum writer to its read replicas (REPLICA_FEED.md): each MTR's
// records as the writer allocates them, and VDL as it advances, in one numbered stream per
// writer. The writer does not wait for replicas, nor learn whether they heard: a replica
// that misses a message (or gets one out of order) starts again from the next VDL it hears.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "engine/quorum/watermarks.h"
#include "engine/runtime/rpc.h"
#include "engine/wal/log.h"

namespace aurora::quorum {

inline constexpr Port kReplicaPort = 7200;
inline constexpr rpc::Method kFeedMethod = 1;

struct FeedRecord {
  Lsn lsn = 0;
  PageId page = 0;
  std::uint32_t offset = 0;
  std::vector<std::byte> bytes;
  friend bool operator==(const FeedRecord&, const FeedRecord&) = default;
};

// One message: the writer's volume epoch, its place in the writer's stream (1, 2, ...),
// the writer's VDL when sent, the highest LSN whose record an earlier message of the stream
// carried (`sent`: what a replica that missed messages may have missed), and the records of
// one MTR (or none: VDL advanced).
struct FeedMessage {
  Epoch epoch = 0;
  std::uint64_t seq = 0;
  Lsn vdl = 0;
  Lsn sent = 0;
  std::vector<FeedRecord> records;
  friend bool operator==(const FeedMessage&, const FeedMessage&) = default;
};

std::vector<std::byte> encode(const FeedMessage& m);
// kCorruption for anything encode() does not write.
Result<FeedMessage> decode_feed(std::span<const std::byte> bytes);

// The writer's side: sends every message to every replica (notifications).
class ReplicaFeed {
 public:
  static Result<std::unique_ptr<ReplicaFeed>> open(Runtime rt, Epoch epoch,
                                                   std::vector<Address> replicas);
  // An MTR of `redo` got LSNs first.. (one per record); VDL is `vdl`.
  void appended(Lsn first, std::span<const wal::Redo> redo, Lsn vdl);
  // VDL advanced to `vdl`.
  void advanced(Lsn vdl);
  std::uint64_t sent() const { return seq_; }

 private:
  ReplicaFeed(Epoch epoch, std::vector<Address> replicas, std::unique_ptr<rpc::RpcClient> c)
      : epoch_(epoch), replicas_(std::move(replicas)), client_(std::move(c)) {}
  void send(FeedMessage m);

  Epoch epoch_;
  std::vector<Address> replicas_;
  std::unique_ptr<rpc::RpcClient> client_;
  std::uint64_t seq_ = 0;
  Lsn sent_ = 0;  // the highest LSN sent so far
};

}  // namespace aurora::quorum
