#include "engine/compute/storage_server.h"

#include <algorithm>
#include <string>

namespace aurora::compute {

Result<std::unique_ptr<StorageServer>> StorageServer::start(Runtime rt, storage::Volume& storage,
                                                            CommitObserver observer) {
  std::unique_ptr<StorageServer> s(new StorageServer(rt, storage, std::move(observer)));
  StorageServer* self = s.get();
  Result<std::unique_ptr<rpc::RpcServer>> server =
      rpc::RpcServer::start(
          rt, kPort, [self](const rpc::Request& req) { return self->serve(req); },
          // Answered from memory: versions, the VDL, read points. Reads may wait for the
          // disk, commits for their acknowledgement, syncs for an fsync.
          [](rpc::Method m) {
            return m == wire::kVersionAt || m == wire::kVdl || m == wire::kPin ||
                   m == wire::kUnpin;
          });
  if (!server.is_ok()) return server.status();
  s->server_ = std::move(server).value();
  return s;
}

StorageServer::~StorageServer() {
  server_.reset();  // no new requests
  for (auto& [key, pin] : pins_) {
    if (pin.held) storage_.unpin(*pin.held);
  }
}

bool StorageServer::admit(NodeId node, std::uint64_t incarnation) {
  auto [it, first] = incarnations_.try_emplace(node, incarnation);
  if (!first && incarnation < it->second) return false;
  if (!first && incarnation > it->second) {
    // The node restarted: its older incarnation's read points are gone with it.
    for (auto p = pins_.lower_bound({node, 0}); p != pins_.end() && p->first.first == node;) {
      if (p->second.held) storage_.unpin(*p->second.held);
      p = pins_.erase(p);
    }
    it->second = incarnation;
  }
  return true;
}

wire::Bytes StorageServer::answer(wire::Method m, Lsn lsn, wire::Bytes bytes) const {
  return wire::encode_response(m, wire::Response{incarnation(), lsn, std::move(bytes)});
}

Result<wire::Bytes> StorageServer::serve(const rpc::Request& req) {
  const auto method = static_cast<wire::Method>(req.method);
  const NodeId node = req.from.node;
  const Status older = Status::node_down("a request from an older incarnation of node " +
                                         std::to_string(node));
  switch (method) {
    case wire::kCommit: {
      Result<wire::CommitRequest> r = wire::decode_commit(req.body);
      if (!r.is_ok()) return r.status();
      if (!admit(node, r->caller_incarnation)) return older;
      Result<Lsn> cpl = commit(*r);
      if (!cpl.is_ok()) return cpl.status();
      return answer(method, *cpl);
    }
    case wire::kRead:
    case wire::kVersionAt: {
      Result<wire::PageRequest> r = wire::decode_page(req.body);
      if (!r.is_ok()) return r.status();
      if (!admit(node, r->caller_incarnation)) return older;
      if (r->at > storage_.vdl()) {
        return Status::invalid_argument("read point " + std::to_string(r->at) +
                                        " is above the VDL " + std::to_string(storage_.vdl()));
      }
      // Below the GC floor the versions are gone: a version would name a page the caller
      // may have cached from long ago. The read refuses it too (PageStore::read).
      if (r->at < storage_.read_floor()) {
        return Status::out_of_range("read point " + std::to_string(r->at) +
                                    " is below the GC floor " +
                                    std::to_string(storage_.read_floor()));
      }
      if (method == wire::kVersionAt) return answer(method, storage_.version_at(r->page, r->at));
      Result<std::vector<std::byte>> bytes = storage_.read(r->page, r->at);
      if (!bytes.is_ok()) return bytes.status();
      return answer(method, 0, std::move(bytes).value());
    }
    case wire::kVdl:
    case wire::kSync: {
      Result<wire::PlainRequest> r = wire::decode_plain(req.body);
      if (!r.is_ok()) return r.status();
      if (!admit(node, r->caller_incarnation)) return older;
      if (method == wire::kSync) AURORA_RETURN_IF_ERROR(storage_.sync());
      return answer(method, storage_.vdl());
    }
    case wire::kPin:
    case wire::kUnpin: {
      Result<wire::PinRequest> r = wire::decode_pin(req.body);
      if (!r.is_ok()) return r.status();
      if (!admit(node, r->caller_incarnation)) return older;
      AURORA_RETURN_IF_ERROR(set_pin(node, *r, method == wire::kUnpin));
      return answer(method);
    }
  }
  return Status::invalid_argument("unknown method " + std::to_string(req.method));
}

Result<Lsn> StorageServer::commit(const wire::CommitRequest& r) {
  if (auto it = commits_.find(r.id); it != commits_.end()) {
    ++stats_.retries_joined;
    rt_.events.emit("server.retry_joined", {{"mtr", to_string(r.id)}, {"attempt", r.attempt}});
    std::shared_ptr<Commit> c = it->second;  // it may be forgotten while this waits
    if (!c->outcome) c->done.wait("the first attempt of a retried MTR");
    return *c->outcome;
  }
  if (r.attempt > 1 && r.storage_incarnation != incarnation()) {
    ++stats_.retries_refused;
    rt_.events.emit("server.retry_refused", {{"mtr", to_string(r.id)}, {"attempt", r.attempt}});
    return Status::node_down("MTR " + to_string(r.id) +
                             " was first sent to another incarnation of the storage: its outcome "
                             "is unknown here");
  }
  auto c = std::make_shared<Commit>(rt_.sched);
  commits_[r.id] = c;
  commit_order_.push_back(r.id);
  while (commit_order_.size() > kRememberedCommits) {
    auto oldest = commits_.find(commit_order_.front());
    if (oldest != commits_.end() && !oldest->second->outcome) break;  // under way: keep
    if (oldest != commits_.end()) commits_.erase(oldest);
    commit_order_.pop_front();
  }
  ++stats_.commits;
  c->outcome =
      storage_.commit(r.redo, observer_ ? observer_(r.id, r.redo) : storage::CommitHooks{});
  c->done.set();
  return *c->outcome;
}

Status StorageServer::set_pin(NodeId node, const wire::PinRequest& r, bool unpin) {
  Pin& p = pins_[{node, r.pin}];
  if (r.seq <= p.seq) return Status::ok();  // an older change, delivered late
  p.seq = r.seq;
  if (unpin) {
    if (p.held) storage_.unpin(*p.held);
    p.held.reset();
    return Status::ok();
  }
  // A read point above this incarnation's VDL (media faults lost what it saw) holds the
  // VDL instead; one below the GC floor (or the floor GC is applying) can no longer be held.
  const Lsn at = std::min(r.at, storage_.vdl());
  if (at < storage_.read_floor()) {
    if (p.held) storage_.unpin(*p.held);
    p.held.reset();
    return Status::out_of_range("read point " + std::to_string(at) + " is below the GC floor " +
                                std::to_string(storage_.read_floor()));
  }
  p.at = at;
  if (p.held) {
    storage_.move(*p.held, at);
  } else {
    p.held = storage_.pin(at);
  }
  return Status::ok();
}

bool StorageServer::holds_read_point(NodeId node, Lsn at) const {
  for (auto p = pins_.lower_bound({node, 0}); p != pins_.end() && p->first.first == node; ++p) {
    if (p->second.held && p->second.at <= at) return true;
  }
  return false;
}

}  // namespace aurora::compute
