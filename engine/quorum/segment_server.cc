#include "engine/quorum/segment_server.h"

#include <algorithm>
#include <set>
#include <string>

namespace aurora::quorum {

Result<std::unique_ptr<SegmentServer>> SegmentServer::start(
    Runtime rt, std::vector<SegmentOptions> segments, GossipOptions gossip) {
  std::unique_ptr<SegmentServer> s(new SegmentServer(rt, std::move(gossip)));
  s->hosted_->node = rt.node;
  for (SegmentOptions& o : segments) {
    const SegmentId id = o.segment;
    Result<std::unique_ptr<Segment>> seg = Segment::open(rt, std::move(o));
    if (seg.is_ok()) {
      s->hosted_->segments[id] = std::move(seg).value();
    } else {
      rt.events.emit("segment.down", {{"segment", id}, {"why", seg.status().to_string()}});
      s->hosted_->down[id] = seg.status();
    }
  }
  SegmentServer* self = s.get();
  Result<std::unique_ptr<rpc::RpcServer>> server = rpc::RpcServer::start(
      rt, kPort,
      [hosted = s->hosted_](const rpc::Request& req) { return serve(*hosted, req); },
      [](rpc::Method m) { return m == wire::kStatus; });  // the rest may wait for the disk
  if (!server.is_ok()) return server.status();
  s->server_ = std::move(server).value();
  if (!s->gossip_.peers.empty()) {
    Result<std::unique_ptr<rpc::RpcClient>> client = rpc::RpcClient::open(rt);
    if (!client.is_ok()) return client.status();
    s->client_ = std::move(client).value();
    for (const auto& [id, seg] : s->hosted_->segments) {
      if (!s->gossip_.peers.contains(id)) continue;
      s->fibers_.push_back(rt.spawn("segment.gossip_" + std::to_string(id),
                                    [self, id = id] { self->gossip_loop(id); },
                                    /*daemon=*/true));
    }
  }
  return s;
}

SegmentServer::~SegmentServer() {
  // The gossip fibers reference this object: they must never run again.
  for (FiberId f : fibers_) rt_.sched.kill(f);
}

GossipOptions SegmentServer::gossip_for(const VolumeLayout& layout, NodeId node) {
  GossipOptions g;
  for (const auto& [s, n] : layout.node_of) {
    if (n != node) continue;
    for (SegmentId p : layout.peers_of(s)) g.peers[s].emplace_back(p, layout.address_of(p));
  }
  return g;
}

void SegmentServer::gossip_loop(SegmentId id) {
  const std::vector<std::pair<SegmentId, Address>>& peers = gossip_.peers.at(id);
  std::set<SegmentId> repaired_from;  // peers whose complete answer a suspect absorbed
  Nanos wait = gossip_.interval;
  for (std::size_t turn = 0;; ++turn) {
    rt_.clock.sleep_for(wait);
    Segment* seg = segment(id);
    if (seg == nullptr || peers.empty() || !seg->stopped().is_ok()) return;
    const auto& [peer, address] = peers[turn % peers.size()];
    wire::GossipRequest req{{peer, seg->epochs()}, seg->scl(), gossip_.limit, {}};
    for (Lsn l : seg->held_above_scl()) {
      if (req.have.size() >= gossip_.limit) break;
      req.have.insert(l);
    }
    Result<wire::Bytes> r = client_->call(address, wire::kGossip, wire::encode(req),
                                          rt_.clock.now() + gossip_.timeout);
    if (!r.is_ok()) continue;
    Result<Segment::GossipAnswer> answer = wire::decode_gossip_answer(*r);
    if (!answer.is_ok() || !seg->absorb_gossip(*answer).is_ok()) continue;
    // Nothing came and no hole is known here: ask less often (the segment is most likely
    // complete, and the writer's appends keep it so); anything else: at the full rate.
    const bool idle = answer->records.empty() && answer->annulled.empty() &&
                      seg->held_above_scl().empty();
    wait = idle ? std::min(wait * 2, gossip_.interval * gossip_.idle_backoff)
                : gossip_.interval;
    if (!seg->suspect()) {
      repaired_from.clear();
      continue;
    }
    const bool complete = answer->annulled.empty() && answer->records.size() < gossip_.limit;
    if (complete && !answer->suspect) repaired_from.insert(peer);
    if (repaired_from.size() >= static_cast<std::size_t>(kReadQuorum)) {
      seg->mark_repaired();
      rt_.events.emit("segment.repaired", {{"segment", id}, {"scl", seg->scl()}});
      repaired_from.clear();
    }
  }
}

Segment* SegmentServer::segment(SegmentId id) {
  const auto it = hosted_->segments.find(id);
  return it == hosted_->segments.end() ? nullptr : it->second.get();
}

void SegmentServer::drop_caches() {
  for (auto& [id, seg] : hosted_->segments) seg->drop_cache();
}

bool SegmentServer::needs_restart() const {
  return !hosted_->down.empty() ||
         std::any_of(hosted_->segments.begin(), hosted_->segments.end(),
                     [](const auto& e) { return !e.second->stopped().is_ok(); });
}

Status SegmentServer::down_reason(SegmentId id) const {
  const auto it = hosted_->down.find(id);
  return it == hosted_->down.end() ? Status::ok() : it->second;
}

Result<wire::Bytes> SegmentServer::serve(const Hosted& hosted, const rpc::Request& req) {
  Result<SegmentId> id = wire::peek_segment(req.body);
  if (!id.is_ok()) return id.status();
  const auto it = hosted.segments.find(*id);
  if (it == hosted.segments.end()) {
    if (const auto down = hosted.down.find(*id); down != hosted.down.end()) {
      return Status::node_down("segment " + std::to_string(*id) + " is down: " +
                               down->second.to_string());
    }
    return Status::not_found("segment " + std::to_string(*id) + " is not hosted on node " +
                             std::to_string(hosted.node));
  }
  // Held for the whole request, which may outlive the server.
  const std::shared_ptr<Segment> seg = it->second;
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
