// RemoteStorage: a compute node's link to the storage on another node, over the network
// (storage_wire.h for the messages, storage_server.h for the other side).
//
// Every call is a request with a deadline, sent again when no answer comes: reads and
// other calls that change nothing are simply repeated; a commit is repeated under its MTR
// id, which the storage recognizes, so it is appended once. When every attempt times out,
// the call fails with kTimeout: for a commit that means its outcome is unknown (it may be
// appended, acknowledged even, with only the answer lost). kNodeDown from the storage
// means the same for a commit: the retry reached a storage that restarted since.
//
// Read points: pin, move and unpin keep the storage's pins for this node in step with
// the node's own. Pinning waits for the storage's answer; moving a pin up and unpinning are
// notifications (a lost one only holds GC back, never lets it pass a read point). When an
// answer shows that the storage restarted (its incarnation changed), every pin is sent
// again: the new incarnation holds none.
#pragma once

#include <cstdint>
#include <map>
#include <memory>

#include "engine/compute/storage_service.h"
#include "engine/compute/storage_wire.h"
#include "engine/runtime/rpc.h"

namespace aurora::compute {

struct RemoteOptions {
  Nanos attempt_timeout = 50 * kMillisecond;  // each attempt's deadline
  std::uint32_t attempts = 3;                 // sends of one call before it times out
};

struct RemoteStats {
  std::uint64_t retries = 0;
  std::uint64_t timeouts = 0;  // calls that got no answer in any attempt
  std::uint64_t storage_restarts_seen = 0;
};

class RemoteStorage final : public StorageService {
 public:
  // Opens the link's endpoint on the runtime's node; calls go to `storage`.
  static Result<std::unique_ptr<RemoteStorage>> open(Runtime rt, Address storage,
                                                     RemoteOptions options = {});
  RemoteStorage(const RemoteStorage&) = delete;
  RemoteStorage& operator=(const RemoteStorage&) = delete;

  Result<Lsn> commit(const MtrId& id, std::span<const wal::Redo> mtr) override;
  Result<std::vector<std::byte>> read(PageId page, Lsn at) override;
  Result<Lsn> version_at(PageId page, Lsn at) override;
  Result<Lsn> vdl() override;
  Status sync() override;
  Result<ReadPointId> pin(Lsn at) override;
  void move(ReadPointId id, Lsn at) override;
  void unpin(ReadPointId id) override;

  // Calls go to `storage` from now on (another writer took the volume over): its answers
  // carry another incarnation, so it is treated as a restarted storage, and attempts of a
  // commit first sent to the old one are refused there (an unknown outcome).
  void redirect(Address storage) { storage_ = storage; }
  Address storage() const { return storage_; }

  const RemoteStats& stats() const { return stats_; }
  const rpc::ClientStats& rpc_stats() const { return client_->stats(); }

 private:
  struct Pin {
    Lsn at = 0;
    std::uint64_t seq = 0;
  };
  RemoteStorage(Runtime rt, Address storage, RemoteOptions options,
                std::unique_ptr<rpc::RpcClient> client)
      : rt_(rt), storage_(storage), options_(options), client_(std::move(client)) {}
  // Sends `body` until an answer or the last attempt's deadline, then decodes it. A
  // `body_for(attempt)` builds each attempt's request.
  Result<wire::Response> call(wire::Method m,
                              const std::function<wire::Bytes(std::uint32_t)>& body_for);
  Result<wire::Response> call(wire::Method m, const wire::Bytes& body);
  // Notes the storage's incarnation from an answer; pins again after a restart.
  void saw_storage(std::uint64_t incarnation);
  void send_pin(ReadPointId id, const Pin& p, wire::Method m);

  Runtime rt_;
  Address storage_;
  RemoteOptions options_;
  std::unique_ptr<rpc::RpcClient> client_;
  std::uint64_t storage_incarnation_ = 0;  // 0: not heard from yet
  std::map<ReadPointId, Pin> pins_;
  ReadPointId next_pin_ = 1;
  std::uint64_t next_seq_ = 1;
  RemoteStats stats_;
};

}  // namespace aurora::compute
