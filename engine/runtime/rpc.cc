#include "engine/runtime/rpc.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <string>

#include "engine/runtime/sync.h"
#include "engine/util/coding.h"

namespace aurora::rpc {

namespace {

// RPC_FORMAT.md: kind, call id, method; a response adds its status.
constexpr std::uint8_t kRequest = 1;
constexpr std::uint8_t kResponse = 2;
constexpr std::size_t kHead = 11;          // kind u8, call id u64, method u16
constexpr std::size_t kStatusHead = 5;     // error kind u8, message length u32
constexpr std::uint64_t kNoResponse = 0;   // the call id of a notification

Bytes encode_request(std::uint64_t id, Method method, std::span<const std::byte> body) {
  Bytes out(kHead + body.size());
  std::span<std::byte> o(out);
  coding::put<std::uint8_t>(o, 0, kRequest);
  coding::put<std::uint64_t>(o, 1, id);
  coding::put<std::uint16_t>(o, 9, method);
  std::copy(body.begin(), body.end(), out.begin() + kHead);
  return out;
}

Bytes encode_response(std::uint64_t id, Method method, const Result<Bytes>& r) {
  const std::string& message = r.is_ok() ? std::string() : r.status().message();
  const std::size_t body = r.is_ok() ? r->size() : 0;
  Bytes out(kHead + kStatusHead + message.size() + body);
  std::span<std::byte> o(out);
  coding::put<std::uint8_t>(o, 0, kResponse);
  coding::put<std::uint64_t>(o, 1, id);
  coding::put<std::uint16_t>(o, 9, method);
  coding::put<std::uint8_t>(o, kHead, static_cast<std::uint8_t>(r.kind()));
  coding::put<std::uint32_t>(o, kHead + 1, static_cast<std::uint32_t>(message.size()));
  std::memcpy(out.data() + kHead + kStatusHead, message.data(), message.size());
  if (r.is_ok()) std::copy(r->begin(), r->end(), out.end() - static_cast<std::ptrdiff_t>(body));
  return out;
}

struct Head {
  std::uint8_t kind;
  std::uint64_t id;
  Method method;
};

std::optional<Head> decode_head(std::span<const std::byte> p) {
  if (p.size() < kHead) return std::nullopt;
  Head h{coding::get<std::uint8_t>(p, 0), coding::get<std::uint64_t>(p, 1),
         coding::get<std::uint16_t>(p, 9)};
  if (h.kind != kRequest && h.kind != kResponse) return std::nullopt;
  return h;
}

// The response's status and body; nullopt when the payload is malformed.
std::optional<Result<Bytes>> decode_response(std::span<const std::byte> p) {
  if (p.size() < kHead + kStatusHead) return std::nullopt;
  const auto kind = coding::get<std::uint8_t>(p, kHead);
  const auto length = coding::get<std::uint32_t>(p, kHead + 1);
  if (kind > static_cast<std::uint8_t>(kLastErrorKind)) return std::nullopt;
  if (length > p.size() - kHead - kStatusHead) return std::nullopt;
  const std::span<const std::byte> message = p.subspan(kHead + kStatusHead, length);
  const std::span<const std::byte> body = p.subspan(kHead + kStatusHead + length);
  if (kind == 0) return Result<Bytes>(Bytes(body.begin(), body.end()));
  return Result<Bytes>(Status(static_cast<ErrorKind>(kind),
                              std::string(reinterpret_cast<const char*>(message.data()),
                                          message.size())));
}

}  // namespace

// --- client ----------------------------------------------------------------------------

struct RpcClient::Pending {
  explicit Pending(Scheduler& sched) : done(sched) {}
  Event done;
  std::optional<Result<Bytes>> result;
};

Result<std::unique_ptr<RpcClient>> RpcClient::open(Runtime rt) {
  AURORA_ASSERT(rt.net != nullptr, "an RPC client on a runtime without a network");
  Result<std::unique_ptr<Endpoint>> ep = rt.net->bind(rt.node, 0);
  if (!ep.is_ok()) return ep.status();
  return std::unique_ptr<RpcClient>(new RpcClient(rt, std::move(ep).value()));
}

RpcClient::RpcClient(Runtime rt, std::unique_ptr<Endpoint> endpoint)
    : rt_(rt), endpoint_(std::move(endpoint)) {}

RpcClient::~RpcClient() = default;

// The client has no fiber of its own: one of the callers waiting for an answer receives
// for all of them (it hands each its answer), and when its own comes it passes the role
// to another. A response then wakes one fiber, not a receiver and then its caller.
void RpcClient::dispatch(Message m) {
  const std::optional<Head> head = decode_head(m.payload);
  std::optional<Result<Bytes>> r;
  if (head && head->kind == kResponse) r = decode_response(m.payload);
  if (!r) {
    ++stats_.malformed;
    return;
  }
  auto it = pending_.find(head->id);
  if (it == pending_.end() || it->second->result.has_value()) {
    ++stats_.stale;  // its caller gave up, or the network made a copy
    return;
  }
  it->second->result.emplace(std::move(*r));
  it->second->done.set();
}

void RpcClient::hand_over() {
  receiving_ = false;
  for (auto& [id, p] : pending_) {
    if (!p->result.has_value()) {
      p->done.set();  // wakes it without an answer: it takes the role
      return;
    }
  }
}

Result<Bytes> RpcClient::call(Address to, Method method, std::span<const std::byte> body,
                              Nanos deadline) {
  ++stats_.calls;
  const std::uint64_t id = next_id_++;
  Pending pending(rt_.sched);
  pending_[id] = &pending;
  struct Forget {  // also when the caller is killed while it waits
    std::map<std::uint64_t, Pending*>& pending;
    std::uint64_t id;
    ~Forget() { pending.erase(id); }
  } forget{pending_, id};
  AURORA_RETURN_IF_ERROR(endpoint_->send(to, encode_request(id, method, body)));
  bool timed_out = false;
  while (!pending.result.has_value() && !timed_out) {
    if (!receiving_) {
      receiving_ = true;
      struct Release {  // the role goes on, also when this caller is killed
        RpcClient& client;
        ~Release() { client.hand_over(); }
      } release{*this};
      Result<Message> m = endpoint_->receive(deadline);
      if (m.is_ok()) {
        dispatch(std::move(m).value());
      } else if (m.kind() == ErrorKind::kTimeout) {
        timed_out = true;
      } else {
        return m.status();  // the endpoint closed: its node is going down
      }
      continue;
    }
    pending.done.reset();
    timed_out = !pending.done.wait_until(deadline, "an RPC response") && !pending.result;
  }
  if (timed_out && !pending.result.has_value()) {
    ++stats_.timeouts;
    rt_.events.emit("rpc.timeout", {{"node", std::uint64_t{rt_.node}},
                                    {"to", std::uint64_t{to.node}},
                                    {"method", std::uint64_t{method}},
                                    {"call", id}});
    return Status::timeout("no answer from " + to_string(to) + " to method " +
                           std::to_string(method) + " in time");
  }
  return std::move(*pending.result);
}

Status RpcClient::notify(Address to, Method method, std::span<const std::byte> body) {
  return endpoint_->send(to, encode_request(kNoResponse, method, body));
}

// --- server ----------------------------------------------------------------------------

struct RpcServer::Shared {
  Runtime rt;
  std::unique_ptr<Endpoint> endpoint;
  Handler handler;
  Quick quick;
  FiberId receiver = 0;
  ServerStats stats;

  void serve(const Head& head, const Message& m) {
    const Request req{m.from, head.method, std::span<const std::byte>(m.payload).subspan(kHead)};
    Result<Bytes> r = handler(req);
    if (head.id == kNoResponse) return;
    // A response that cannot be sent is as good as lost: the caller times out.
    endpoint->send(m.from, encode_response(head.id, head.method, r)).ignore();
  }
};

Result<std::unique_ptr<RpcServer>> RpcServer::start(Runtime rt, Port port, Handler handler,
                                                    Quick quick) {
  AURORA_ASSERT(rt.net != nullptr, "an RPC server on a runtime without a network");
  Result<std::unique_ptr<Endpoint>> ep = rt.net->bind(rt.node, port);
  if (!ep.is_ok()) return ep.status();
  auto shared = std::make_shared<Shared>(
      Shared{rt, std::move(ep).value(), std::move(handler), std::move(quick)});
  Shared* s = shared.get();
  // The receiver holds only a weak share: it belongs to the server, which kills it.
  s->receiver = rt.spawn(
      "rpc.server",
      [s, weak = std::weak_ptr<Shared>(shared)] {
        for (;;) {
          Result<Message> m = s->endpoint->receive();
          if (!m.is_ok()) continue;
          const std::optional<Head> head = decode_head(m->payload);
          if (!head || head->kind != kRequest) {
            ++s->stats.malformed;
            continue;
          }
          ++s->stats.requests;
          if (s->quick && s->quick(head->method)) {
            s->serve(*head, *m);
            continue;
          }
          std::shared_ptr<Shared> keep = weak.lock();
          s->rt.spawn("rpc.serve", [keep, head = *head, m = std::move(m).value()] {
            keep->serve(head, m);
          });
        }
      },
      /*daemon=*/true);
  return std::unique_ptr<RpcServer>(new RpcServer(std::move(shared)));
}

RpcServer::~RpcServer() {
  if (shared_->rt.sched.current() != shared_->receiver) shared_->rt.sched.kill(shared_->receiver);
}

Address RpcServer::address() const { return shared_->endpoint->address(); }
const ServerStats& RpcServer::stats() const { return shared_->stats; }

}  // namespace aurora::rpc
