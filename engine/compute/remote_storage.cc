#include "engine/compute/remote_storage.h"

#include <string>

namespace aurora::compute {

Result<std::unique_ptr<RemoteStorage>> RemoteStorage::open(Runtime rt, Address storage,
                                                           RemoteOptions options) {
  AURORA_ASSERT(options.attempts >= 1, "a call needs at least one attempt");
  Result<std::unique_ptr<rpc::RpcClient>> client = rpc::RpcClient::open(rt);
  if (!client.is_ok()) return client.status();
  return std::unique_ptr<RemoteStorage>(
      new RemoteStorage(rt, storage, options, std::move(client).value()));
}

Result<wire::Response> RemoteStorage::call(
    wire::Method m, const std::function<wire::Bytes(std::uint32_t)>& body_for) {
  Result<rpc::Bytes> got = Status::timeout("no attempt");
  for (std::uint32_t attempt = 1; attempt <= options_.attempts; ++attempt) {
    if (attempt > 1) ++stats_.retries;
    got = client_->call(storage_, m, body_for(attempt), rt_.clock.now() + options_.attempt_timeout);
    if (got.is_ok() || got.kind() != ErrorKind::kTimeout) break;
  }
  if (!got.is_ok()) {
    if (got.kind() == ErrorKind::kTimeout) ++stats_.timeouts;
    return got.status();
  }
  Result<wire::Response> r = wire::decode_response(m, *got);
  if (r.is_ok()) saw_storage(r->storage_incarnation);
  return r;
}

Result<wire::Response> RemoteStorage::call(wire::Method m, const wire::Bytes& body) {
  return call(m, [&body](std::uint32_t) { return body; });
}

void RemoteStorage::saw_storage(std::uint64_t incarnation) {
  if (incarnation == storage_incarnation_) return;
  const bool restarted = storage_incarnation_ != 0;
  storage_incarnation_ = incarnation;
  if (!restarted) return;
  ++stats_.storage_restarts_seen;
  for (auto& [id, p] : pins_) {
    p.seq = next_seq_++;
    send_pin(id, p, wire::kPin);
  }
}

void RemoteStorage::send_pin(ReadPointId id, const Pin& p, wire::Method m) {
  const wire::Bytes body = wire::encode(wire::PinRequest{rt_.incarnation, id, p.seq, p.at});
  // A notification that cannot be sent is as good as lost: the storage holds GC lower
  // (a move) or longer (an unpin) than it must, never less.
  client_->notify(storage_, m, body).ignore();
}

Result<Lsn> RemoteStorage::commit(const MtrId& id, std::span<const wal::Redo> mtr) {
  wire::CommitRequest req{.caller_incarnation = rt_.incarnation,
                          .id = id,
                          .attempt = 1,
                          .storage_incarnation = storage_incarnation_,
                          .redo = {mtr.begin(), mtr.end()}};
  Result<wire::Response> r = call(wire::kCommit, [&req](std::uint32_t attempt) {
    req.attempt = attempt;
    return wire::encode(req);
  });
  if (!r.is_ok()) return r.status();
  return r->lsn;
}

Result<std::vector<std::byte>> RemoteStorage::read(PageId page, Lsn at) {
  Result<wire::Response> r =
      call(wire::kRead, wire::encode(wire::PageRequest{rt_.incarnation, page, at}));
  if (!r.is_ok()) return r.status();
  return std::move(r->bytes);
}

Result<Lsn> RemoteStorage::version_at(PageId page, Lsn at) {
  Result<wire::Response> r =
      call(wire::kVersionAt, wire::encode(wire::PageRequest{rt_.incarnation, page, at}));
  if (!r.is_ok()) return r.status();
  return r->lsn;
}

Result<Lsn> RemoteStorage::vdl() {
  Result<wire::Response> r = call(wire::kVdl, wire::encode(wire::PlainRequest{rt_.incarnation}));
  if (!r.is_ok()) return r.status();
  return r->lsn;
}

Status RemoteStorage::sync() {
  return call(wire::kSync, wire::encode(wire::PlainRequest{rt_.incarnation})).status();
}

Result<ReadPointId> RemoteStorage::pin(Lsn at) {
  const ReadPointId id = next_pin_++;
  const Pin p{at, next_seq_++};
  Result<wire::Response> r =
      call(wire::kPin, wire::encode(wire::PinRequest{rt_.incarnation, id, p.seq, at}));
  if (!r.is_ok()) {
    // The storage may hold it all the same (only the answer was lost): undo it there.
    send_pin(id, Pin{at, next_seq_++}, wire::kUnpin);
    return r.status();
  }
  pins_[id] = p;
  return id;
}

void RemoteStorage::move(ReadPointId id, Lsn at) {
  auto it = pins_.find(id);
  AURORA_ASSERT(it != pins_.end(), "moving a read point that is not pinned");
  it->second = Pin{at, next_seq_++};
  send_pin(id, it->second, wire::kPin);
}

void RemoteStorage::unpin(ReadPointId id) {
  auto it = pins_.find(id);
  if (it == pins_.end()) return;
  send_pin(id, Pin{it->second.at, next_seq_++}, wire::kUnpin);
  pins_.erase(it);
}

}  // namespace aurora::compute
