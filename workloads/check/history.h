// What a workload observed of the engine, in the order it happened: the only input of the
// reference model and the checkers. Plain integers and bytes, no engine types: the model
// and the checkers share no code with what they check.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace aurora::workloads::check {

using Lsn = std::uint64_t;
using PageId = std::uint64_t;
using Bytes = std::vector<std::uint8_t>;

struct Write {
  PageId page = 0;
  std::uint32_t offset = 0;
  std::vector<std::uint8_t> bytes;
};

namespace obs {

// LSNs first..cpl were allocated to one MTR (its records in order). `vdl` is the VDL when
// they were allocated, `lal` the allocation limit in force. `mtr`: the MTR's id, the same
// in every attempt to commit it ("" when the workload gives none).
struct Appended {
  std::string node;
  Lsn first = 0;
  Lsn cpl = 0;
  std::vector<Write> writes;
  Lsn vdl = 0;
  Lsn lal = 0;
  std::string mtr;
};

// A commit returned OK: the MTR ending at `cpl` is acknowledged; `vdl` is the VDL then.
struct Acked {
  std::string node;
  Lsn cpl = 0;
  Lsn vdl = 0;
};

// A snapshot of the storage's counters (taken often: after each operation).
struct State {
  Lsn vcl = 0;
  Lsn vdl = 0;
  Lsn highest_allocated = 0;
  std::uint64_t epoch = 0;
  Lsn gc_floor = 0;
  std::vector<Lsn> read_points;  // of every live compute node
};

// A read finished. Exactly one of `bytes` and `error` is set. `error` is the error kind's
// name ("out_of_range", "corruption", "io_error", ...). `may_refuse_below`: the storage may
// refuse read points below this one (its GC bound when the read began) with out_of_range.
// `at_read_point`: the read was at the node's own read point (not a past one).
struct Read {
  std::string node;
  PageId page = 0;
  Lsn at = 0;
  bool at_read_point = false;
  std::optional<std::vector<std::uint8_t>> bytes;
  std::optional<std::string> error;
  Lsn may_refuse_below = 0;
};

// The same page at the same read point, read with every cache warm and then cold.
struct ColdWarm {
  PageId page = 0;
  Lsn at = 0;
  std::vector<std::uint8_t> warm;
  std::vector<std::uint8_t> cold;
};

// The storage crashed (every unacknowledged MTR's fate is now up to recovery).
struct Crashed {};

// An fsync failed in the current storage incarnation: it must acknowledge nothing more.
struct FsyncFailed {};

// The storage opened (a new incarnation). When `fresh`, no volume existed. Otherwise
// recovery found `vcl`/`vdl` and the persisted `watermark`, annulled [annul_from, annul_to]
// in `epoch`, and will allocate from `next_lsn`. `corruption` is set when the open failed
// with (or recovery reported) corruption, with the engine's message; the other fields are
// then meaningless.
struct Recovered {
  bool fresh = false;
  std::uint64_t epoch = 0;
  Lsn vcl = 0;
  Lsn vdl = 0;
  Lsn watermark = 0;
  Lsn annul_from = 0;
  Lsn annul_to = 0;
  Lsn next_lsn = 0;
  Lsn lal = 0;  // the LSN allocation limit the log runs with (0: not known)
  std::optional<std::string> corruption;
};

// A recovery is making the annulment of [from, to] durable, in `epoch`. Observed when its
// control file is written, since from then on it may be durable: a crash may strike before
// that recovery finishes (and its Recovered is seen), and the next recovery may then end on
// `to`. `watermark` is the persisted watermark that
// recovery found: what it lost, it lost against that watermark (invariant 10), not against
// the one a later recovery finds once this annulment's end is persisted.
struct Annulled {
  Lsn from = 0;
  Lsn to = 0;
  std::uint64_t epoch = 0;
  Lsn watermark = 0;
};

// A compute node started (a new session: its read point starts afresh, from the VDL).
struct SessionStarted {
  std::string node;
};

// A compute node's commit returned OK to the node: the MTR ending at `cpl` is acknowledged
// to it (an Acked observed at the storage may never reach the node, when the storage
// crashes before its answer does).
struct Committed {
  std::string node;
  Lsn cpl = 0;
  std::string mtr;  // its id, as in Appended ("" when the workload gives none)
};

// A compute node's commit of MTR `mtr` ended without an answer saying what became of it
// (the request or its answer was lost, or the storage restarted under it): it may have
// been appended, even acknowledged, or not. Either outcome is correct, never half of one;
// and once a reader has seen it, it stays (invariants 4 to 6 hold it like any other MTR).
struct CommitUnknown {
  std::string node;
  std::string mtr;
  std::string error;
};

// A compute node's commit of MTR `mtr` was refused: the engine says it did not happen
// (`error`, such as a redo that does not fit its page). It must never be appended.
struct CommitRefused {
  std::string node;
  std::string mtr;
  std::string error;
};

// A compute node's refresh (moving its read point to the VDL) failed with `error` (the
// error kind's name and message), other than because the storage was down.
struct RefreshFailed {
  std::string node;
  std::string error;
};

// No read from now on asks for a page below LSN `lsn`: the storage made its GC floor
// durable at or above it (reads below are refused in this and every later incarnation),
// no read under way is below it, and no compute node's read point is. Told by the
// workload, which knows its reads; the model may then forget how pages were below it, and
// a read returning bytes below it is a violation (invariant 8).
struct GcHorizon {
  Lsn lsn = 0;
};

// --- The quorum tier (DESIGN.md section 4, invariants 12 to 17) ----------------------------

// The quorum tier's writer of volume epoch `writer_epoch` acknowledged the MTR ending at
// `cpl`. For each of its records: its PG, and how many segments of the PG's membership held
// it on their disks at that moment, as the world saw them (a segment whose node is down
// counts with what its disk held when it went down), never as the writer believed.
struct QuorumAcked {
  struct Record {
    Lsn lsn = 0;
    std::uint32_t pg = 0;
    std::uint32_t holders = 0;
  };
  Lsn cpl = 0;
  std::uint64_t writer_epoch = 0;
  std::vector<Record> records;
};

// Segment `segment` acted on a request under epochs (`volume_epoch`, `membership_epoch`):
// `what` is "append" (records written: the writer's or gossip's), "fence" (a recovering
// writer's fence, durable) or "annul" (an annulment applied, durable).
struct SegmentAccepted {
  std::uint32_t segment = 0;
  std::string what;
  std::uint64_t volume_epoch = 0;
  std::uint64_t membership_epoch = 0;
};

// A PG's segments as the world lays them out: `members`, and during a membership change the
// new set `next` too (empty otherwise).
struct PgMembers {
  std::uint32_t pg = 0;
  std::vector<std::uint32_t> members;
  std::vector<std::uint32_t> next;
};

// The quorum tier's writer recovered the volume under `epoch` with VDL `vdl`. Observed just
// before its Recovered. Per PG: the segments whose reports its plan counted (`sources`), and
// how many of the PG's segments were lost when it did, as the world saw them (down, stopped,
// not opened, or suspect).
struct QuorumRecovery {
  struct Pg {
    PgMembers layout;
    std::vector<std::uint32_t> sources;
    std::uint32_t lost = 0;
  };
  std::uint64_t epoch = 0;
  Lsn vdl = 0;
  std::vector<Pg> pgs;
};

// The quorum tier's watermarks, as its writer (of volume epoch `writer_epoch`) reports them
// beside each segment's durable SCL as the world sees it (the SCL of the records on its disk;
// for a segment whose node is down, of what its disk held when it went down). Observed at
// each acknowledgement, and once `settled`: at the end of a run, with no commit under way,
// every node up and the writer's SCLs caught up with the disks. Page p is in PG
// (p / pg_pages) % pgs.size().
struct QuorumWatermarks {
  struct Segment {
    std::uint32_t segment = 0;
    std::uint32_t pg = 0;
    Lsn reported_scl = 0;
    Lsn durable_scl = 0;
  };
  struct Pg {
    PgMembers layout;
    Lsn reported_pgcl = 0;
  };
  std::uint64_t writer_epoch = 0;
  bool settled = false;
  Lsn vcl = 0;
  Lsn vdl = 0;
  std::uint64_t pg_pages = 1;
  std::vector<Segment> segments;
  std::vector<Pg> pgs;
};

// A read replica (node `node`) served page `page` as of its read point `at`: `bytes`, or
// `error` (the error kind's name and message; storage unavailability is not reported).
// `vdl` is the highest VDL any writer had reached when it answered, as the world saw it.
struct ReplicaRead {
  std::string node;
  PageId page = 0;
  Lsn at = 0;
  std::optional<Bytes> bytes;
  std::string error;
  Lsn vdl = 0;
};

}  // namespace obs

using Observation =
    std::variant<obs::Appended, obs::Acked, obs::State, obs::Read, obs::ColdWarm, obs::Crashed,
                 obs::FsyncFailed, obs::Recovered, obs::Annulled, obs::RefreshFailed,
                 obs::GcHorizon, obs::SessionStarted, obs::Committed, obs::CommitUnknown,
                 obs::CommitRefused, obs::QuorumAcked, obs::SegmentAccepted,
                 obs::QuorumRecovery, obs::QuorumWatermarks, obs::ReplicaRead>;

// "appended", "acked", ... (for messages and the trace).
std::string_view observation_kind(const Observation& o);

}  // namespace aurora::workloads::check
