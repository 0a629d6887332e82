// SegmentServer: a storage node's segment service. It opens the node's segment replicas
// (a node may host segments of several PGs) and serves the methods of segment_wire.h to the
// writer, recovering writers, readers and peer segments, one fiber per request (rpc.h).
//
// A segment that fails to open (its state file damaged, its disk failing) is down while the
// others serve: the tier tolerates two segments of a PG down, and repair replaces it.
#pragma once

#include <map>
#include <memory>
#include <vector>

#include "engine/quorum/segment.h"
#include "engine/quorum/segment_wire.h"
#include "engine/runtime/rpc.h"

namespace aurora::quorum {

class SegmentServer {
 public:
  static constexpr Port kPort = 7100;

  // Opens every segment of `segments` on the runtime's node and serves them on kPort.
  static Result<std::unique_ptr<SegmentServer>> start(Runtime rt,
                                                      std::vector<SegmentOptions> segments);
  SegmentServer(const SegmentServer&) = delete;
  SegmentServer& operator=(const SegmentServer&) = delete;

  Address address() const { return server_->address(); }
  // The open segment `id`, or null (not hosted here, or down).
  Segment* segment(SegmentId id);
  // Why segment `id` is down (ok when it is up or not hosted here).
  Status down_reason(SegmentId id) const;

 private:
  explicit SegmentServer(Runtime rt) : rt_(rt) {}
  Result<wire::Bytes> serve(const rpc::Request& req);

  Runtime rt_;
  std::map<SegmentId, std::unique_ptr<Segment>> segments_;
  std::map<SegmentId, Status> down_;
  std::unique_ptr<rpc::RpcServer> server_;
};

}  // namespace aurora::quorum
