#include "engine/quorum/replica_feed.h"

#include "engine/util/byte_io.h"

namespace aurora::quorum {

namespace {
constexpr std::uint32_t kMaxFeedRecords = 1 << 16;
}  // namespace

std::vector<std::byte> encode(const FeedMessage& m) {
  ByteWriter w;
  w.put(m.epoch).put(m.seq).put(m.vdl).put(m.sent);
  w.put(static_cast<std::uint32_t>(m.records.size()));
  for (const FeedRecord& r : m.records) w.put(r.lsn).put(r.page).put(r.offset).put_bytes(r.bytes);
  return w.take();
}

Result<FeedMessage> decode_feed(std::span<const std::byte> bytes) {
  ByteReader in(bytes);
  FeedMessage m;
  std::uint32_t n = 0;
  if (!in.get(m.epoch) || !in.get(m.seq) || !in.get(m.vdl) || !in.get(m.sent) || !in.get(n) ||
      n > kMaxFeedRecords) {
    return Status::corruption("malformed replica feed message: header");
  }
  for (std::uint32_t i = 0; i < n; ++i) {
    FeedRecord r;
    if (!in.get(r.lsn) || !in.get(r.page) || !in.get(r.offset) || !in.get_bytes(r.bytes)) {
      return Status::corruption("malformed replica feed message: record " + std::to_string(i));
    }
    m.records.push_back(std::move(r));
  }
  if (!in.done()) return Status::corruption("malformed replica feed message: trailing bytes");
  return m;
}

Result<std::unique_ptr<ReplicaFeed>> ReplicaFeed::open(Runtime rt, Epoch epoch,
                                                       std::vector<Address> replicas) {
  Result<std::unique_ptr<rpc::RpcClient>> client = rpc::RpcClient::open(rt);
  if (!client.is_ok()) return client.status();
  return std::unique_ptr<ReplicaFeed>(
      new ReplicaFeed(epoch, std::move(replicas), std::move(client).value()));
}

void ReplicaFeed::appended(Lsn first, std::span<const wal::Redo> redo, Lsn vdl) {
  FeedMessage m{.epoch = epoch_, .vdl = vdl};
  for (std::size_t i = 0; i < redo.size(); ++i) {
    m.records.push_back({first + i, redo[i].page, redo[i].offset, redo[i].bytes});
  }
  send(std::move(m));
}

void ReplicaFeed::advanced(Lsn vdl) { send(FeedMessage{.epoch = epoch_, .vdl = vdl}); }

void ReplicaFeed::send(FeedMessage m) {
  m.seq = ++seq_;
  m.sent = sent_;
  if (!m.records.empty()) sent_ = std::max(sent_, m.records.back().lsn);
  const std::vector<std::byte> body = encode(m);
  // A notification: lost ones are the replica's to notice (the numbering).
  for (const Address& to : replicas_) client_->notify(to, kFeedMethod, body).ignore();
}

}  // namespace aurora::quorum
