// The MTR workload's read replicas (preset quorum, WorkloadSpec::read_replicas): each one's
// node hears the writer's redo stream and reads random pages, every answer checked by
// invariant 16 (replica_reads).
#include "workloads/mtr/mtr_workload.h"

namespace aurora::workloads {

namespace obs = check::obs;
using storage::Lsn;
using storage::PageId;

void MtrWorkload::boot_replica(std::size_t index, Runtime rt) {
  ReplicaSlot& slot = *replicas_[index];
  slot.replica.reset();  // the previous life's: its fibers died with it
  slot.link.reset();
  Result<std::unique_ptr<compute::RemoteStorage>> link = compute::RemoteStorage::open(
      rt, Address{storage_node_, compute::StorageServer::kPort}, remote_options_for(spec_));
  AURORA_ASSERT(link.is_ok(), "a free port on a node that just booted: " +
                                  link.status().to_string());
  slot.link = std::move(link).value();
  Result<std::unique_ptr<quorum::ReadReplica>> replica = quorum::ReadReplica::start(
      rt, *slot.link,
      {.buffer_pages = spec_.storage.buffer_pages, .page_size = spec_.storage.page_size});
  AURORA_ASSERT(replica.is_ok(), "the replica port is free on a node that just booted: " +
                                     replica.status().to_string());
  slot.replica = std::move(replica).value();
  sim::Rng& rng = world_.stream(std::string("node/").append(slot.name));
  while (!stopping_ && !failed_) {
    rt.clock.sleep_for(static_cast<Nanos>(200 + rng.below(800)) * kMicrosecond);
    rng.mark_unit();  // one read: a unit for the shrinker
    const PageId page = rng.below(spec_.workload.pages);
    ReadInFlight in_flight(*this, slot.replica->read_point());
    const std::uint64_t restarts = slot.replica->stats().restarts;
    Result<quorum::ReplicaPage> got = slot.replica->read(page);
    if (slot.replica->stats().restarts > restarts) coverage_.hit("replica_restarted");
    if (!got.is_ok()) {
      const ErrorKind k = got.kind();
      if (storage_unavailable(k) || k == ErrorKind::kBusy) {
        continue;  // the writer is down, or the replica has not heard from one yet
      }
      observe(obs::ReplicaRead{.node = slot.name,
                               .page = page,
                               .at = slot.replica->read_point(),
                               .error = std::string(error_name(k)).append(": ").append(
                                   got.status().message()),
                               .vdl = highest_vdl()});
      continue;
    }
    coverage_.hit("replica_read");
    observe(obs::ReplicaRead{.node = slot.name,
                             .page = page,
                             .at = got->at,
                             .bytes = plain_bytes(got->bytes),
                             .vdl = highest_vdl()});
    ++stats_.replica_reads_checked;
  }
}

void MtrWorkload::crash_replica(std::size_t index) {
  ReplicaSlot& slot = *replicas_[index];
  if (world_.up(slot.node)) world_.crash(slot.node);
}

std::vector<Address> MtrWorkload::replica_addresses() const {
  std::vector<Address> out;
  for (const auto& r : replicas_) out.push_back(Address{r->node, quorum::kReplicaPort});
  return out;
}

Lsn MtrWorkload::highest_vdl() {
  if (writer_) highest_vdl_ = std::max(highest_vdl_, writer_->vdl());
  if (stale_writer_) highest_vdl_ = std::max(highest_vdl_, stale_writer_->vdl());
  return highest_vdl_;
}

}  // namespace aurora::workloads
