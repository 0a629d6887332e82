// The reference model: an independent, in-memory oracle of what the volume must hold,
// built only from the observations of history.h. It includes nothing from engine/ and
// shares no code with it (STYLE.md "the reference model shares no code with the engine"):
// pages are byte vectors built by replaying writes in LSN order, nothing more.
//
// Its cost does not grow with the length of the run: each page keeps its versions in LSN
// order with their bytes, built as writes arrive (page_versions.h), so a read is answered by
// one lookup; and a GcHorizon observation lets it forget what no read can ask about any
// more: page versions older than each page's newest one at or below the horizon, and the
// MTRs, allocations, consistency points and annulments wholly below it. What it keeps then
// grows with the data the engine holds above its GC floor, not with the operations done.
//
// Conventions it relies on (history.h):
//  - An MTR's records are its writes in order: writes[i] has LSN first + i. (Writes past
//    cpl - first, if a history ever had them, are taken to be at the CPL.)
//  - A recovery annulled nothing when its range is empty (annul_to < annul_from, or 0).
//  - After a successful recovery the volume's VDL is the annul end (the annulment is the
//    new consistency point), so both the recovered VDL and the annul end are consistency
//    points.
//  - A fresh Recovered starts a new volume: everything the model knew is dropped.
//  - A Recovered with `corruption` failed to open: its other fields are meaningless, so
//    it forgets nothing; it only starts a new incarnation and marks a corruption as
//    reported until the next successful recovery (which may then lose acknowledged data,
//    in the unrestricted regime).
//  - Below the horizon nothing is judged: a read there returning bytes is itself the
//    violation (read_correctness), and a recovery ending there too (durability).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "workloads/check/history.h"
#include "workloads/check/page_versions.h"

namespace aurora::workloads::check {

// One mini-transaction as the model knows it.
struct Mtr {
  std::string node;
  std::string id;  // "" when the workload gave none
  Lsn first = 0;
  Lsn cpl = 0;
  std::vector<Write> writes;  // writes[i] at LSN first + i
  bool acked = false;
  std::uint64_t incarnation = 0;  // the incarnation it was appended in

  Lsn lsn_of(std::size_t i) const;
};

// LSNs [from, to] annulled by a recovery.
struct Annulment {
  Lsn from = 0;
  Lsn to = 0;
  std::uint64_t epoch = 0;
  std::uint64_t incarnation = 0;  // the incarnation the recovery started
  Lsn watermark = 0;              // the persisted watermark that recovery found
};

class Model {
 public:
  // `page_size`: bytes of every page; a page nobody wrote reads as that many zeros.
  explicit Model(std::uint32_t page_size);

  // Takes one observation into account. The Suite calls it after the checkers have seen
  // the observation against the model as it was before (see suite.h).
  void apply(const Observation& o);

  std::uint32_t page_size() const { return page_size_; }

  // --- MTRs ---
  // MTRs that happened (appended and not forgotten by a recovery), by CPL.
  const std::map<Lsn, Mtr>& mtrs() const { return mtrs_; }
  // MTRs a recovery forgot (above its VDL or inside its annulled range), by CPL: they never
  // happened, and none of their writes may ever be seen. Acknowledged ones among them were
  // lost (allowed only in the unrestricted regime, see invariants 7 and 10).
  const std::map<Lsn, Mtr>& forgotten() const { return forgotten_; }
  // The live MTR with first <= lsn <= cpl, or null.
  const Mtr* mtr_containing(Lsn lsn) const;
  // The live MTR appended under id `id` (not ""), or null.
  const Mtr* mtr_with_id(const std::string& id) const;
  // The error a node was told when the commit of MTR `id` was refused, or null.
  const std::string* refusal_of(const std::string& id) const;
  // Commits whose outcome the committing node never learned.
  std::uint64_t unknown_outcomes() const { return unknown_outcomes_; }
  // Acknowledged live MTRs with CPL > lsn, ascending.
  std::vector<const Mtr*> acked_above(Lsn lsn) const;
  // Acknowledged live MTRs that the recovery `r` forgets, ascending: those above its VDL,
  // inside its annulled range, or inside a range annulled since the last successful
  // recovery (observed as Annulled before `r`); every one of them when `r` is fresh; none
  // when `r` reports corruption (it forgets nothing).
  std::vector<const Mtr*> acked_lost_by(const obs::Recovered& r) const;
  // The persisted watermark in force when the recovery `r` decided to lose `m` (one of
  // acked_lost_by(r)): that of an interrupted recovery whose annulled range holds `m` (it
  // decided; `r` only found its decision durable), else r's own.
  Lsn watermark_when_lost(const Mtr& m, const obs::Recovered& r) const;

  // --- LSN allocation ---
  // Every range [first, cpl] appended on this volume (forgotten ones included) and not
  // wholly below the horizon, by first.
  const std::multimap<Lsn, Lsn>& allocations() const { return allocations_; }
  // An earlier allocation overlapping [first, last], if any: {first, cpl}.
  std::optional<std::pair<Lsn, Lsn>> allocation_overlapping(Lsn first, Lsn last) const;
  // The highest LSN allocated on this volume (forgotten ones included).
  Lsn highest_allocated() const { return highest_allocated_; }
  // Highest CPL appended in the current incarnation (0 if none).
  Lsn highest_allocated_in_incarnation() const { return highest_allocated_incarnation_; }

  // --- consistency points and annulments ---
  // 0, every CPL appended, and every recovery's VDL and annul end. Below the horizon the
  // model no longer knows and answers yes: a VDL or read point there is reported by the
  // checks of the horizon itself (durability, read_correctness).
  bool is_consistency_point(Lsn lsn) const;
  const std::vector<Annulment>& annulments() const { return annulments_; }
  // The annulment with from <= lsn <= to, or null.
  const Annulment* annulment_containing(Lsn lsn) const;
  // The highest annul end so far (0 if none): every new LSN must be above it.
  Lsn annulled_up_to() const { return annulled_up_to_; }

  // --- what was acted on ---
  // The highest VDL acted on: the VDL of every acknowledgement, and every read point a
  // node read at. Lowered to the recovered VDL by a recovery that lost it (only allowed
  // in the unrestricted regime), so one loss is reported once.
  Lsn highest_vdl_acted_on() const { return highest_vdl_acted_on_; }

  // --- incarnations ---
  // Bumped by every Recovered (0 before the first).
  std::uint64_t incarnation() const { return incarnation_; }
  bool fsync_failed() const { return fsync_failed_; }
  // The highest VDL observed in this incarnation (States, acknowledgements) before its
  // first fsync failure: an acknowledgement at or below it was durable before the failure.
  Lsn vdl_before_fsync_failure() const { return vdl_before_fsync_failure_; }
  // A recovery reported corruption and no recovery has succeeded since.
  bool corruption_reported() const { return corruption_reported_; }
  // The last State of this incarnation (none right after a Recovered).
  const std::optional<obs::State>& last_state() const { return last_state_; }
  // The highest epoch seen in a State or a successful Recovered.
  std::uint64_t highest_epoch() const { return highest_epoch_; }
  // From the last State (kept across incarnations until the next State).
  Lsn gc_floor() const { return gc_floor_; }
  const std::vector<Lsn>& read_points() const { return read_points_; }

  // --- the horizon ---
  // The highest GcHorizon observed (0 if none): no read asks below it, and the model keeps
  // only what reads, recoveries and allocations at or above it need.
  Lsn horizon() const { return horizon_; }

  // --- pages ---
  // Page `page` after every live write with LSN <= at, applied in LSN order (exact for
  // at >= horizon()). Valid until the next apply().
  const Bytes& page_at(PageId page, Lsn at) const { return pages_.at(page, at); }
  // The same, with the writes of `extra` (e.g. forgotten MTRs) replayed as if they had
  // happened.
  Bytes page_at_with(PageId page, Lsn at, const std::vector<const Mtr*>& extra) const;
  // The LSN of the live write that set byte `offset` of `page` as of `at` (0: never
  // written, still zero, or written before the oldest version kept: see forgot_older).
  Lsn last_writer(PageId page, Lsn at, std::uint32_t offset) const {
    return pages_.last_writer(page, at, offset);
  }
  // Whether versions of `page` below the horizon were forgotten.
  bool forgot_older(PageId page) const { return pages_.forgot_older(page); }
  // LSNs of the live writes to `page` nearest to `around`, at most `radius` either side,
  // ascending.
  std::vector<Lsn> write_lsns_around(PageId page, Lsn around, std::size_t radius) const {
    return pages_.lsns_around(page, around, radius);
  }
  // Page versions kept (for tests and memory figures).
  std::size_t versions_kept() const { return pages_.size(); }

 private:
  void apply_appended(const obs::Appended& a);
  void apply_acked(const obs::Acked& a);
  void apply_state(const obs::State& s);
  void apply_read(const obs::Read& r);
  void apply_fsync_failed();
  void apply_recovered(const obs::Recovered& r);
  void apply_annulled(const obs::Annulled& a);
  // Drops the annulments of `epoch`: a new one of the same epoch means they never became
  // durable.
  void supersede_annulments_of(std::uint64_t epoch);
  void apply_horizon(const obs::GcHorizon& h);
  void forget(std::map<Lsn, Mtr>::iterator it);
  // Whether the successful, not fresh recovery `r` forgets `m` (see acked_lost_by).
  bool forgets(const Mtr& m, const obs::Recovered& r) const;
  void new_incarnation();
  void saw_vdl(Lsn vdl);

  std::uint32_t page_size_;
  std::map<Lsn, Mtr> mtrs_;
  std::map<Lsn, Mtr> forgotten_;
  std::map<std::string, Lsn> live_by_id_;          // id -> CPL, of live MTRs with an id
  std::map<std::string, std::string> refusals_;    // id -> the error its node was told
  std::uint64_t unknown_outcomes_ = 0;
  // Every page's versions, of live MTRs.
  PageVersions pages_;
  std::multimap<Lsn, Lsn> allocations_;
  Lsn highest_allocated_ = 0;
  Lsn highest_allocated_incarnation_ = 0;
  std::set<Lsn> consistency_points_;
  std::vector<Annulment> annulments_;
  // Annulments observed since the last successful recovery: their MTRs are forgotten by
  // the next one (see apply_annulled).
  std::vector<Annulment> unsettled_annulments_;
  Lsn annulled_up_to_ = 0;
  Lsn annulled_below_horizon_ = 0;  // the highest end of the annulments the horizon dropped
  Lsn highest_vdl_acted_on_ = 0;
  std::uint64_t incarnation_ = 0;
  bool fsync_failed_ = false;
  Lsn vdl_in_incarnation_ = 0;
  Lsn vdl_before_fsync_failure_ = 0;
  bool corruption_reported_ = false;
  std::optional<obs::State> last_state_;
  std::uint64_t highest_epoch_ = 0;
  Lsn gc_floor_ = 0;
  std::vector<Lsn> read_points_;
  Lsn horizon_ = 0;
};

}  // namespace aurora::workloads::check
