// Requests and responses over the network (RPC_FORMAT.md).
//
// RpcClient::call sends a request and parks the calling fiber until its response comes
// or its deadline passes. A timeout (kTimeout) says only that no answer came: the request
// may have been lost, or served with its answer lost. The caller must handle both, and a
// retry must be safe to apply twice (the storage link's commits carry an id for it).
//
// RpcServer serves each request in a fiber of its own, so a slow request (a commit
// waiting for its acknowledgement) does not hold up the ones behind it; requests its
// owner calls quick (never waiting) are served at once by the receiving fiber. A request
// duplicated by the network is served twice; handlers are idempotent or deduplicate.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <vector>

#include "engine/runtime/network.h"
#include "engine/runtime/runtime.h"

namespace aurora::rpc {

using Method = std::uint16_t;
using Bytes = std::vector<std::byte>;

struct Request {
  Address from;
  Method method = 0;
  std::span<const std::byte> body;
};

struct ClientStats {
  std::uint64_t calls = 0;
  std::uint64_t timeouts = 0;
  std::uint64_t stale = 0;      // responses for no call waiting (late, or duplicated)
  std::uint64_t malformed = 0;  // intact frames whose payload is no response
};

class RpcClient {
 public:
  // Binds a free port on the runtime's node.
  static Result<std::unique_ptr<RpcClient>> open(Runtime rt);
  ~RpcClient();
  RpcClient(const RpcClient&) = delete;
  RpcClient& operator=(const RpcClient&) = delete;

  // Sends the request and waits until its response or `deadline`. A response carrying
  // an error returns that error.
  Result<Bytes> call(Address to, Method method, std::span<const std::byte> body, Nanos deadline);
  // Sends a request that wants no response.
  Status notify(Address to, Method method, std::span<const std::byte> body);

  Address address() const { return endpoint_->address(); }
  const ClientStats& stats() const { return stats_; }

 private:
  struct Pending;
  RpcClient(Runtime rt, std::unique_ptr<Endpoint> endpoint);
  void dispatch(Message m);
  // The receiving caller is done: another waiting caller (if any) receives next.
  void hand_over();

  Runtime rt_;
  std::unique_ptr<Endpoint> endpoint_;
  bool receiving_ = false;  // a caller is receiving for all of them
  std::uint64_t next_id_ = 1;
  std::map<std::uint64_t, Pending*> pending_;  // each on its caller's stack
  ClientStats stats_;
};

struct ServerStats {
  std::uint64_t requests = 0;
  std::uint64_t malformed = 0;  // intact frames whose payload is no request
};

class RpcServer {
 public:
  using Handler = std::function<Result<Bytes>(const Request&)>;
  // Which methods never wait (no I/O, no lock, no sleep): those are served by the fiber
  // that receives them, the others each in a fiber of its own. A fiber per request costs
  // a spawn, an exit and a switch; most requests of a storage (versions, the VDL, pins)
  // are answered from memory.
  using Quick = std::function<bool(Method)>;
  // Binds `port` on the runtime's node and serves requests until destroyed.
  static Result<std::unique_ptr<RpcServer>> start(Runtime rt, Port port, Handler handler,
                                                  Quick quick = {});
  ~RpcServer();
  RpcServer(const RpcServer&) = delete;
  RpcServer& operator=(const RpcServer&) = delete;

  Address address() const;
  const ServerStats& stats() const;

 private:
  struct Shared;  // what the request fibers share with the server, and may outlive it with
  explicit RpcServer(std::shared_ptr<Shared> shared) : shared_(std::move(shared)) {}
  std::shared_ptr<Shared> shared_;
};

}  // namespace aurora::rpc
