#include "engine/quorum/segment_server.h"

#include <string>

namespace aurora::quorum {

Result<std::unique_ptr<SegmentServer>> SegmentServer::start(
    Runtime rt, std::vector<SegmentOptions> segments) {
  std::unique_ptr<SegmentServer> s(new SegmentServer(rt));
  for (SegmentOptions& o : segments) {
    const SegmentId id = o.segment;
    Result<std::unique_ptr<Segment>> seg = Segment::open(rt, std::move(o));
    if (seg.is_ok()) {
      s->segments_[id] = std::move(seg).value();
    } else {
      s->down_[id] = seg.status();
    }
  }
  SegmentServer* self = s.get();
  Result<std::unique_ptr<rpc::RpcServer>> server = rpc::RpcServer::start(
      rt, kPort, [self](const rpc::Request& req) { return self->serve(req); },
      [](rpc::Method m) { return m == wire::kStatus; });  // the rest may wait for the disk
  if (!server.is_ok()) return server.status();
  s->server_ = std::move(server).value();
  return s;
}

Segment* SegmentServer::segment(SegmentId id) {
  const auto it = segments_.find(id);
  return it == segments_.end() ? nullptr : it->second.get();
}

Status SegmentServer::down_reason(SegmentId id) const {
  const auto it = down_.find(id);
  return it == down_.end() ? Status::ok() : it->second;
}

Result<wire::Bytes> SegmentServer::serve(const rpc::Request& req) {
  Result<SegmentId> id = wire::peek_segment(req.body);
  if (!id.is_ok()) return id.status();
  Segment* seg = segment(*id);
  if (seg == nullptr) {
    const Status why = down_reason(*id);
    if (!why.is_ok()) return Status::node_down("segment " + std::to_string(*id) + " is down: " +
                                               why.to_string());
    return Status::not_found("segment " + std::to_string(*id) + " is not hosted on node " +
                             std::to_string(rt_.node));
  }
  switch (static_cast<wire::Method>(req.method)) {
    case wire::kAppend: {
      Result<wire::AppendRequest> r = wire::decode_append(req.body);
      if (!r.is_ok()) return r.status();
      Result<Lsn> scl = seg->append(r->h.epochs, r->records);
      if (!scl.is_ok()) return scl.status();
      return wire::encode_lsn(*scl);
    }
    case wire::kFence: {
      Result<wire::Header> h = wire::decode_header_only(req.body);
      if (!h.is_ok()) return h.status();
      Result<SegmentReport> report = seg->fence_and_report(h->epochs);
      if (!report.is_ok()) return report.status();
      return wire::encode_report(*report);
    }
    case wire::kAnnul: {
      Result<wire::AnnulRequest> r = wire::decode_annul(req.body);
      if (!r.is_ok()) return r.status();
      AURORA_RETURN_IF_ERROR(seg->annul(r->h.epochs, r->annulled));
      return wire::encode_lsn(seg->scl());
    }
    case wire::kRead: {
      Result<wire::ReadRequest> r = wire::decode_read(req.body);
      if (!r.is_ok()) return r.status();
      return seg->read(r->page, r->at);
    }
    case wire::kGossip: {
      Result<wire::GossipRequest> r = wire::decode_gossip(req.body);
      if (!r.is_ok()) return r.status();
      Result<Segment::GossipAnswer> got =
          seg->answer_gossip(r->h.epochs, r->above, r->have, r->limit);
      if (!got.is_ok()) return got.status();
      return wire::encode_gossip_answer(*got);
    }
    case wire::kStatus: {
      Result<wire::Header> h = wire::decode_header_only(req.body);
      if (!h.is_ok()) return h.status();
      return wire::encode_status(wire::SegmentStatus{seg->scl(), seg->epochs(), seg->suspect()});
    }
  }
  return Status::invalid_argument("unknown segment method " + std::to_string(req.method));
}

}  // namespace aurora::quorum
