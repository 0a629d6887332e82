// SegmentServer: a storage node's segment service. It opens the node's segment replicas
// (a node may host segments of several PGs) and serves the methods of segment_wire.h to the
// writer, recovering writers, readers and peer segments, one fiber per request (rpc.h).
//
// The segments outlive the server for as long as a request fiber still serves one (the RPC
// layer's request fibers may outlive their server): a harness may drop the server of a node
// that is still up.
//
// A segment that fails to open (its state file damaged, its disk failing) is down while the
// others serve: the tier tolerates two segments of a PG down, and repair replaces it.
//
// Gossip: each segment asks its peers in turn, every `interval`, for what it misses above
// its SCL, and takes their annulments first when it is behind (Segment::absorb_gossip). A
// suspect segment (a damaged log) is repaired once complete answers from a read quorum of
// peers that are not suspect themselves have been absorbed: any record a write quorum held
// is on one of them (4 + 3 > 6).
#pragma once

#include <map>
#include <memory>
#include <vector>

#include "engine/quorum/layout.h"
#include "engine/quorum/segment.h"
#include "engine/quorum/segment_wire.h"
#include "engine/runtime/rpc.h"

namespace aurora::quorum {

struct GossipOptions {
  // Each hosted segment's peers and where they are; none: no gossip.
  std::map<SegmentId, std::vector<std::pair<SegmentId, Address>>> peers;
  Nanos interval = 5 * kMillisecond;
  // A segment whose rounds bring nothing asks less and less often, down to once every
  // interval * idle_backoff; one that learns anything goes back to every interval.
  std::int64_t idle_backoff = 16;
  Nanos timeout = 20 * kMillisecond;
  std::uint32_t limit = 256;  // records per answer, and LSNs per request's `have`
};

class SegmentServer {
 public:
  static constexpr Port kPort = kSegmentPort;

  // Opens every segment of `segments` on the runtime's node and serves them on kPort.
  static Result<std::unique_ptr<SegmentServer>> start(Runtime rt,
                                                      std::vector<SegmentOptions> segments,
                                                      GossipOptions gossip = {});
  // The peers of every segment of `layout` that `node` hosts.
  static GossipOptions gossip_for(const VolumeLayout& layout, NodeId node);
  ~SegmentServer();
  SegmentServer(const SegmentServer&) = delete;
  SegmentServer& operator=(const SegmentServer&) = delete;

  Address address() const { return server_->address(); }
  // The open segment `id`, or null (not hosted here, or down).
  Segment* segment(SegmentId id);
  // Why segment `id` is down (ok when it is up or not hosted here).
  Status down_reason(SegmentId id) const;
  // Whether a segment here stopped (a failed fsync), or did not open: it waits for its node
  // to restart (events segment.stopped and segment.down say when that happens).
  bool needs_restart() const;
  // Every hosted segment forgets its cached pages.
  void drop_caches();

 private:
  // What the request fibers share with the server.
  struct Hosted {
    NodeId node = 0;
    std::map<SegmentId, std::shared_ptr<Segment>> segments;
    std::map<SegmentId, Status> down;
  };
  SegmentServer(Runtime rt, GossipOptions gossip)
      : rt_(rt), gossip_(std::move(gossip)), hosted_(std::make_shared<Hosted>()) {}
  static Result<wire::Bytes> serve(const Hosted& hosted, const rpc::Request& req);
  void gossip_loop(SegmentId id);

  Runtime rt_;
  GossipOptions gossip_;
  std::unique_ptr<rpc::RpcClient> client_;
  std::vector<FiberId> fibers_;
  std::shared_ptr<Hosted> hosted_;
  std::unique_ptr<rpc::RpcServer> server_;
};

}  // namespace aurora::quorum
