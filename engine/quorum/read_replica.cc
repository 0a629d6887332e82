#include "engine/quorum/read_replica.h"

#include <algorithm>

namespace aurora::quorum {

Result<std::unique_ptr<ReadReplica>> ReadReplica::start(Runtime rt,
                                                        compute::StorageService& storage,
                                                        ReplicaOptions options) {
  std::unique_ptr<ReadReplica> r(new ReadReplica(storage, options));
  ReadReplica* self = r.get();
  Result<std::unique_ptr<rpc::RpcServer>> server = rpc::RpcServer::start(
      rt, kReplicaPort,
      [self](const rpc::Request& req) -> Result<rpc::Bytes> {
        if (req.method != kFeedMethod) return Status::invalid_argument("unknown method");
        Result<FeedMessage> m = decode_feed(req.body);
        if (!m.is_ok()) return m.status();
        self->on_message(*m);
        return rpc::Bytes{};
      },
      [](rpc::Method) { return true; });  // applying waits for nothing
  if (!server.is_ok()) return server.status();
  r->server_ = std::move(server).value();
  return r;
}

ReadReplica::~ReadReplica() = default;

void ReadReplica::on_message(const FeedMessage& m) {
  ++stats_.messages;
  for (const FeedRecord& r : m.records) {
    // The writer refuses such redo: a message carrying one is not the writer's. Dropped
    // unnumbered, so the next one looks like a gap.
    if (r.offset > options_.page_size || r.bytes.size() > options_.page_size - r.offset) return;
  }
  if (m.epoch < epoch_) return;                               // a fenced writer's
  if (m.epoch == epoch_ && heard_ && m.seq < next_seq_) return;  // a copy, or too late
  if (m.epoch > epoch_ || (heard_ && m.seq != next_seq_) || (!heard_ && m.seq != 1)) {
    epoch_ = m.epoch;
    restart(m.sent);
  }
  heard_ = true;
  next_seq_ = m.seq + 1;
  for (const FeedRecord& r : m.records) {
    if (r.lsn > read_point_) waiting_.insert_or_assign(r.lsn, r);
  }
  advance(m.vdl);
}

void ReadReplica::restart(Lsn missed_up_to) {
  ++stats_.restarts;
  missed_up_to_ = missed_up_to;
  ++generation_;
  waiting_.clear();
  pages_.clear();
  order_.clear();
}

// Everything at or below `vdl`, in LSN order: whole MTRs only, since VDL is a CPL.
void ReadReplica::advance(Lsn vdl) {
  if (vdl <= read_point_) return;
  auto end = waiting_.upper_bound(vdl);
  for (auto it = waiting_.begin(); it != end; ++it) {
    const FeedRecord& r = it->second;
    const auto page = pages_.find(r.page);
    if (page == pages_.end()) continue;  // not cached: a later miss reads it at a newer point
    std::copy(r.bytes.begin(), r.bytes.end(),
              page->second.begin() + static_cast<std::ptrdiff_t>(r.offset));
    ++stats_.records_applied;
  }
  waiting_.erase(waiting_.begin(), end);
  read_point_ = vdl;
  ++generation_;
}

Result<ReplicaPage> ReadReplica::read(PageId page) {
  if (!heard_) return Status::busy("the replica has not heard the writer's VDL yet");
  if (const auto it = pages_.find(page); it != pages_.end()) {
    ++stats_.hits;
    return ReplicaPage{read_point_, it->second};
  }
  ++stats_.misses;
  const Lsn at = read_point_;
  const std::uint64_t generation = generation_;
  Result<std::vector<std::byte>> got = storage_.read(page, at);
  if (!got.is_ok()) return got.status();
  // Cached only if nothing moved meanwhile: records applied since then missed this copy.
  // Nor below what a gap may have lost: those records would never reach the copy.
  if (generation == generation_ && at >= missed_up_to_ && got->size() == options_.page_size) {
    cache(page, *got);
  }
  return ReplicaPage{at, std::move(got).value()};
}

void ReadReplica::cache(PageId page, std::vector<std::byte> bytes) {
  if (options_.buffer_pages == 0) return;
  while (pages_.size() >= options_.buffer_pages && !order_.empty()) {
    pages_.erase(order_.front());
    order_.pop_front();
  }
  pages_.emplace(page, std::move(bytes));
  order_.push_back(page);
}

}  // namespace aurora::quorum
