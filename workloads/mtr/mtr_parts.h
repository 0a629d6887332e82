// What the simulated MTR workload (mtr_workload.h) and the real one (workloads/real/)
// share: the engine's options from a spec, a random MTR as the spec shapes it, and the
// engine's bytes and errors in the terms of the model (which shares no types with it).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/compute/compute_node.h"
#include "engine/compute/remote_storage.h"
#include "engine/quorum/writer.h"
#include "engine/storage/storage.h"
#include "sim/rng.h"
#include "workloads/check/history.h"
#include "workloads/spec/spec.h"

namespace aurora::workloads {

// The storage options of the spec's [storage] section over its preset.
storage::StorageOptions storage_options_for(const Spec& spec);
// The compute-storage link's deadlines, from the spec's [network] section.
compute::RemoteOptions remote_options_for(const Spec& spec);

// An MTR of 1..mtr_records_max records over 1..mtr_pages_max distinct pages, each writing
// 1..write_bytes_max random bytes at a random offset (within the page); `writes` is the same
// MTR for the model.
struct RandomMtr {
  compute::Mtr mtr;
  std::vector<check::Write> writes;
};
RandomMtr random_mtr(const Spec& spec, sim::Rng& rng);

// Commit hooks that report an MTR of `writes`, committed by `node` under id `mtr`, to
// `report`: an Appended observation when its LSNs are allocated and an Acked one when it
// is acknowledged. `vdl` answers the storage's VDL at that moment, or nothing when the
// storage is gone (then 0 is reported for an append, the CPL for an acknowledgement). The
// hooks own copies of all they use: they may run after the committing fiber died.
storage::CommitHooks observing_hooks(std::string node, const compute::MtrId& mtr,
                                     std::vector<check::Write> writes, wal::Lsn lal,
                                     std::function<std::optional<wal::Lsn>()> vdl,
                                     std::function<void(check::Observation)> report);

// The hooks of the MTRs whose commits are under way, by id, for the storage to take when
// it appends one (compute::CommitObserver). An MTR's hooks stay until taken: a copy of its
// request may reach the storage after its caller gave up. forget_all() when no request
// still on the way can be appended (the storage restarted: the network dropped them, and
// retries of older MTRs are refused there).
class CommitHookBook {
 public:
  void expect(const compute::MtrId& id, storage::CommitHooks hooks) {
    hooks_.insert_or_assign(id, std::move(hooks));
  }
  compute::CommitObserver observer() {
    return [this](const compute::MtrId& id, std::span<const wal::Redo>) {
      auto it = hooks_.find(id);
      if (it == hooks_.end()) return storage::CommitHooks{};
      storage::CommitHooks h = std::move(it->second);
      hooks_.erase(it);
      return h;
    };
  }
  void forget_all() { hooks_.clear(); }

 private:
  std::map<compute::MtrId, storage::CommitHooks> hooks_;
};

// The Annulled observation of a "recovery.annulling" engine event (nothing for any other
// kind): a recovery's annulment, observed when its control file is written, since from its
// rename on it may be durable. ("recovery.annulled", once it surely is, comes too late: a
// crash between the rename and the directory's fsync, at the control.renamed crash point,
// may keep it, and the next recovery then ends on its end: sim --seed 194 before this.)
std::optional<check::obs::Annulled> annulled_observation(std::string_view kind,
                                                         std::span<const Field> fields);

// A snapshot of the storage's counters for the model, with the read points of the live
// compute nodes.
check::obs::State state_observation(storage::Storage& storage, std::vector<wal::Lsn> read_points);

// What the model learns when a storage opened: its recovery as a Recovered observation.
check::obs::Recovered recovered_observation(storage::Storage& storage);
// The same two for the quorum tier's writer. It persists no watermark of its own (0): the
// segments' quorum, not a control file, is what recovery trusts.
check::obs::State state_observation(const quorum::QuorumWriter& writer,
                                    std::vector<wal::Lsn> read_points);
check::obs::Recovered recovered_observation(const quorum::QuorumWriter& writer);
// The writer's options from the spec, over `layout`.
quorum::WriterOptions writer_options_for(const Spec& spec, quorum::VolumeLayout layout);
// The quorum tier's layout for the spec: 2 PGs of ranges of a quarter of its pages.
quorum::VolumeLayout quorum_layout_for(const Spec& spec, std::span<const NodeId> six_nodes);
// Errors that mean "the storage is not there" rather than an answer: a crash (kNodeDown),
// no answer in time (kTimeout: lost messages, a partition), or a log that stopped after an
// fsync failure and waits to be recovered (kStopped).
inline bool storage_unavailable(ErrorKind k) {
  return k == ErrorKind::kNodeDown || k == ErrorKind::kStopped || k == ErrorKind::kTimeout;
}

// A read's outcome for the model: the bytes, or the error's name.
check::obs::Read read_observation(std::string node, storage::PageId page, wal::Lsn at,
                                  bool at_read_point, const Result<std::vector<std::byte>>& got,
                                  wal::Lsn may_refuse_below = 0);

std::vector<std::uint8_t> plain_bytes(const std::vector<std::byte>& b);
// "out_of_range", "corruption", "io_error", ...: the model's names of error kinds.
std::string error_name(ErrorKind k);

}  // namespace aurora::workloads
