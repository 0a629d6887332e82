// The quorum tier's arithmetic (DESIGN.md section 3): which sets of segments are quorums,
// and how SCL, PGCL, VCL and VDL follow from what the segments hold. Pure functions and one
// small tracker, with no I/O, so that the writer, the recovery, the segments and the tests
// all compute them the same way, and properties can hold them against a brute force.
//
//   SCL   of a segment: the highest record of its PG such that the segment holds every record
//         of the PG at or below it (the chain of back-links from it is complete).
//   PGCL  of a PG: the highest LSN that a write quorum of its segments has completed, so the
//         4th highest SCL of 6, and during a membership change the lower of the two sets'.
//   VCL   the highest LSN such that every record at or below it, in every PG, is at or below
//         its PG's PGCL. LSNs are dense (each is exactly one record of one PG), so a PG whose
//         next record above its PGCL is N holds the volume's VCL below N.
//   VDL   the highest CPL at or below VCL.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "engine/runtime/status.h"
#include "engine/wal/control_file.h"
#include "engine/wal/format.h"

namespace aurora::quorum {

using wal::AnnulledRange;
using wal::Epoch;
using wal::kNoLsn;
using wal::Lsn;
using wal::PageId;

using PgId = std::uint32_t;
using SegmentId = std::uint32_t;  // unique in the volume: a replacement gets a new one

inline constexpr int kReplicas = 6;
inline constexpr int kWriteQuorum = 4;
inline constexpr int kReadQuorum = 3;
static_assert(kWriteQuorum + kReadQuorum > kReplicas, "every read quorum meets every write");
static_assert(2 * kWriteQuorum > kReplicas, "two write quorums always meet");

using SegmentSet = std::array<SegmentId, kReplicas>;

// Who counts for a PG's quorums. Outside a change one set of six; during the change of
// SIGMOD'18 (replace F by G) both the old set and the new one, and a write quorum needs a
// write quorum of each, a read quorum a read quorum of either.
struct Membership {
  Epoch epoch = 1;
  SegmentSet members{};
  std::optional<SegmentSet> next;  // set while a change is under way
  friend bool operator==(const Membership&, const Membership&) = default;
};

bool contains(const SegmentSet& set, SegmentId s);
// Every segment that counts in `m` (the union of both sets during a change).
std::vector<SegmentId> all_segments(const Membership& m);

// Whether `have` (segments that did something: acknowledged, answered) is a quorum of `m`.
bool is_write_quorum(const Membership& m, std::span<const SegmentId> have);
bool is_read_quorum(const Membership& m, std::span<const SegmentId> have);

// PGCL: the highest LSN every segment of some write quorum has completed, from each member's
// SCL (`scl` must give one for every segment of all_segments(m); a missing one counts as 0).
Lsn pgcl(const Membership& m, const std::map<SegmentId, Lsn>& scl);

// One PG's progress as the VCL needs it: its PGCL and its lowest record above the PGCL
// (kNoLsn when the PG has none allocated there).
struct PgProgress {
  Lsn pgcl = 0;
  Lsn next_record = kNoLsn;
};
// VCL across PGs, never above `highest_allocated`, never below `floor` (the VDL recovery
// established: everything at or below it is complete in every PG by construction).
Lsn vcl(std::span<const PgProgress> pgs, Lsn highest_allocated, Lsn floor = 0);
// VDL: the highest CPL in `cpls` at or below `vcl`, or `floor` when there is none above it.
Lsn vdl(const std::set<Lsn>& cpls, Lsn vcl, Lsn floor = 0);

// A segment's SCL, kept as records arrive in any order (gossip fills holes late). A record
// names the PG's record before it (its back-link); the chain starts at `base`, the PG's
// last record at or below the volume's recovered VDL (0 for a new volume).
class SclTracker {
 public:
  explicit SclTracker(Lsn base = 0) : scl_(base) {}
  // Records `lsn` (whose back-link is `prev`) as held; returns the SCL after it.
  Lsn add(Lsn lsn, Lsn prev);
  // Forgets every record above `keep_to` (an annulment): the SCL drops to the highest held
  // record at or below it when it was above.
  void cut_above(Lsn keep_to);
  Lsn scl() const { return scl_; }
  // Held records above the SCL (waiting for the records in front of them), by back-link.
  std::size_t waiting() const { return waiting_.size(); }
  // The held records the tracker knows of, ascending (the SCL chain and the waiting ones).
  const std::set<Lsn>& held() const { return held_; }

 private:
  Lsn scl_;
  std::set<Lsn> held_;
  std::map<Lsn, Lsn> waiting_;  // prev -> lsn, for records whose prev is not complete yet
};

// --- Recovery of the writer ----------------------------------------------------------------

// What a segment holds, as it reports it to a recovering writer.
struct RecordMeta {
  Lsn lsn = 0;
  Lsn prev = kNoLsn;  // the PG's record before it
  bool cpl = false;   // the last record of its MTR
  Epoch epoch = 0;    // the volume epoch that wrote it
  PageId page = 0;    // the page it writes (a recovering writer rebuilds its version index)
  friend bool operator==(const RecordMeta&, const RecordMeta&) = default;
};
struct SegmentReport {
  SegmentId segment = 0;
  Epoch volume_epoch = 0;
  std::vector<AnnulledRange> annulled;  // every annulment the segment has applied
  std::vector<RecordMeta> records;      // every record it holds, ascending LSN
  // It may have lost acknowledged records (a damaged log) and is not yet repaired: its
  // records count, but it does not count toward the read quorum.
  bool suspect = false;
};

// What recovery decided: the recovered VCL and VDL, the range to annul under the new epoch,
// and each PG's last record at or below VDL (the back-link of its next record).
struct RecoveryPlan {
  Lsn vcl = 0;
  Lsn vdl = 0;
  Epoch epoch = 0;  // the new volume epoch
  std::optional<AnnulledRange> annul;
  Lsn next_lsn = 1;
  std::map<PgId, Lsn> pg_tail;  // last record of each PG at or below VDL
  std::vector<AnnulledRange> annulled;  // every annulment, this one included, ascending
  // The segments whose reports (not suspect) the plan counted, per PG: a read quorum each.
  std::map<PgId, std::vector<SegmentId>> sources;
};

// Recovers from one read quorum of reports per PG (`reports[pg]`: the reports that are not
// suspect must come from a read quorum of `members[pg]`; kInvalidArgument otherwise). Every
// record any report holds counts, unless an annulment any report knows covers it (a segment
// that missed a recovery still holds what it annulled); the highest SCL is trusted nowhere.
// VCL is the end of the run of LSNs from 1 that some report holds (annulled LSNs are
// skipped: they were never records), VDL the last CPL in it. The annulment is
// (VDL, max(VDL + LAL, highest LSN seen)] under an epoch above every epoch that annulled or
// wrote anything (at least the highest a report has seen: the recovery's own fence), and
// allocation goes on above it, as in the base log; its end is a consistency point (the
// writer's VCL and VDL after recovery), and a later recovery walks past it. A new volume
// (no epoch seen anywhere) gets epoch 1 and an empty annulment, [1, 0].
Result<RecoveryPlan> plan_recovery(const std::map<PgId, Membership>& members,
                                   const std::map<PgId, std::vector<SegmentReport>>& reports,
                                   Lsn lal);

// Whether `lsn`, written in `epoch`, was annulled by one of `annulled` (a newer epoch's).
bool is_annulled(std::span<const AnnulledRange> annulled, Lsn lsn, Epoch epoch);

std::string to_string(const Membership& m);

}  // namespace aurora::quorum
