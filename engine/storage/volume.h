// Volume: what a compute node's requests reach on the storage side, whichever tier keeps
// the volume. Two implementations:
//
//   storage::Storage       one copy on one storage node (the `base` and `tiered` presets);
//   quorum::QuorumWriter   the writer of the quorum tier (engine/quorum/): 6 segment
//                          replicas of every protection group, on 6 storage nodes.
//
// compute::StorageServer serves either over the network, and LocalStorage hands either to a
// compute node in the same process.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "engine/runtime/status.h"
#include "engine/wal/format.h"
#include "engine/wal/log.h"

namespace aurora::storage {

using wal::Lsn;
using wal::PageId;
using ReadPointId = std::uint64_t;

// Who must learn of a commit at the moment it happens, not when the caller next runs (a
// model of what was written must know an MTR that a crash may make durable without an
// acknowledgement, and the instant of each acknowledgement).
struct CommitHooks {
  std::function<void(Lsn)> appended;      // the LSNs are allocated: here is the CPL
  std::function<void(Lsn)> acknowledged;  // VDL reached the CPL
};

class Volume {
 public:
  virtual ~Volume() = default;
  // Appends one MTR and waits until it is acknowledged (VDL >= its CPL); returns the CPL.
  // kInvalidArgument when a redo does not fit its page. See CommitHooks.
  virtual Result<Lsn> commit(std::span<const wal::Redo> mtr, const CommitHooks& hooks) = 0;
  // The page as of read point `at`.
  virtual Result<std::vector<std::byte>> read(PageId page, Lsn at) = 0;
  // The newest version of `page` at or below `at` (0 when it was never written): a key
  // under which the page's bytes at `at` may be cached.
  virtual Lsn version_at(PageId page, Lsn at) const = 0;
  virtual Lsn vdl() const = 0;
  // Makes everything appended durable (the manual durability policy's commit).
  virtual Status sync() = 0;
  // Read points in use. A pinned read point is never collected under.
  virtual ReadPointId pin(Lsn at) = 0;
  virtual void move(ReadPointId id, Lsn at) = 0;
  virtual void unpin(ReadPointId id) = 0;
  // Reads below this LSN are refused: their versions may be collected.
  virtual Lsn read_floor() const = 0;
};

}  // namespace aurora::storage
