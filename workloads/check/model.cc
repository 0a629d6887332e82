#include "workloads/check/model.h"

#include <algorithm>
#include <type_traits>
#include <utility>
#include <variant>

namespace aurora::workloads::check {
namespace {

bool annuls_something(const obs::Recovered& r) {
  return r.annul_to != 0 && r.annul_to >= r.annul_from;
}

}  // namespace

Lsn Mtr::lsn_of(std::size_t i) const {
  if (cpl < first || i > cpl - first) return cpl;  // more writes than LSNs: invalid input
  return first + i;
}

Model::Model(std::uint32_t page_size) : page_size_(page_size), pages_(page_size) {}

void Model::apply(const Observation& o) {
  std::visit(
      [this](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, obs::Appended>) {
          apply_appended(v);
        } else if constexpr (std::is_same_v<T, obs::Acked>) {
          apply_acked(v);
        } else if constexpr (std::is_same_v<T, obs::State>) {
          apply_state(v);
        } else if constexpr (std::is_same_v<T, obs::Read>) {
          apply_read(v);
        } else if constexpr (std::is_same_v<T, obs::FsyncFailed>) {
          apply_fsync_failed();
        } else if constexpr (std::is_same_v<T, obs::Recovered>) {
          apply_recovered(v);
        } else if constexpr (std::is_same_v<T, obs::Annulled>) {
          apply_annulled(v);
        } else if constexpr (std::is_same_v<T, obs::GcHorizon>) {
          apply_horizon(v);
        } else if constexpr (std::is_same_v<T, obs::CommitUnknown>) {
          ++unknown_outcomes_;
        } else if constexpr (std::is_same_v<T, obs::CommitRefused>) {
          refusals_.emplace(v.mtr, v.error);
        }
        // ColdWarm, Crashed, RefreshFailed, SessionStarted and Committed change nothing the
        // model knows: a crash decides nothing by itself, the next Recovered says what
        // survived; sessions are the session checkers' own (session_guarantees.cc).
      },
      o);
}

void Model::apply_appended(const obs::Appended& a) {
  allocations_.emplace(a.first, a.cpl);
  highest_allocated_ = std::max(highest_allocated_, a.cpl);
  highest_allocated_incarnation_ = std::max(highest_allocated_incarnation_, a.cpl);
  consistency_points_.insert(a.cpl);
  Mtr m{a.node, a.mtr, a.first, a.cpl, a.writes, false, incarnation_};
  auto [it, inserted] = mtrs_.emplace(a.cpl, std::move(m));
  if (!inserted) return;  // a reused CPL: lsn_unique reports it; the first MTR stays
  if (!it->second.id.empty()) live_by_id_.emplace(it->second.id, a.cpl);  // the first stays
  for (std::size_t i = 0; i < it->second.writes.size(); ++i) {
    pages_.add(it->second.lsn_of(i), {a.cpl, i}, it->second.writes[i]);
  }
}

void Model::apply_acked(const obs::Acked& a) {
  if (auto it = mtrs_.find(a.cpl); it != mtrs_.end()) it->second.acked = true;
  highest_vdl_acted_on_ = std::max(highest_vdl_acted_on_, a.vdl);
  saw_vdl(a.vdl);
}

void Model::apply_state(const obs::State& s) {
  last_state_ = s;
  gc_floor_ = s.gc_floor;
  read_points_ = s.read_points;
  highest_epoch_ = std::max(highest_epoch_, s.epoch);
  saw_vdl(s.vdl);
}

void Model::apply_read(const obs::Read& r) {
  if (r.at_read_point) highest_vdl_acted_on_ = std::max(highest_vdl_acted_on_, r.at);
}

void Model::apply_fsync_failed() {
  if (fsync_failed_) return;
  fsync_failed_ = true;
  vdl_before_fsync_failure_ = vdl_in_incarnation_;
}

void Model::saw_vdl(Lsn vdl) {
  if (!fsync_failed_) vdl_in_incarnation_ = std::max(vdl_in_incarnation_, vdl);
}

void Model::new_incarnation() {
  ++incarnation_;
  fsync_failed_ = false;
  vdl_in_incarnation_ = 0;
  vdl_before_fsync_failure_ = 0;
  highest_allocated_incarnation_ = 0;
  last_state_.reset();
}

void Model::forget(std::map<Lsn, Mtr>::iterator it) {
  const Mtr& m = it->second;
  // Newest write first: each is then the top version of its page, removed without
  // rebuilding anything above it.
  for (std::size_t i = m.writes.size(); i-- > 0;) {
    pages_.remove(m.writes[i].page, m.lsn_of(i), {m.cpl, i});
  }
  if (auto id = live_by_id_.find(m.id); id != live_by_id_.end() && id->second == it->first) {
    live_by_id_.erase(id);
  }
  forgotten_.insert_or_assign(it->first, std::move(it->second));
  mtrs_.erase(it);
}

// The annulment is durable: its MTRs never happened, and a later recovery may end on its
// end. They are forgotten only by the next successful Recovered (this recovery's, or the
// next one's if a crash strikes first), which the checkers judge against a model that still
// holds them: forgotten here, an acknowledged MTR lost inside the range would be gone before
// anyone looked for it. (The Recovered of the same recovery records the range again;
// harmless.)
void Model::apply_annulled(const obs::Annulled& a) {
  supersede_annulments_of(a.epoch);
  annulments_.push_back({a.from, a.to, a.epoch, incarnation_ + 1, a.watermark});
  unsettled_annulments_.push_back({a.from, a.to, a.epoch, incarnation_ + 1, a.watermark});
  annulled_up_to_ = std::max(annulled_up_to_, a.to);
  consistency_points_.insert(a.to);
}

// A recovery annuls under the epoch after the one its control file holds. So an annulment
// of an epoch the model already holds one of means the earlier never became durable (its
// control file was lost to a crash or an fsync error): it annulled nothing, and a later
// recovery may end inside it, or allocate there (sim --seed 901: recovery 2's annulment
// [13, 794971] failed its fsync; after a bit flip took records, recovery 2 again annulled
// [1, 794959], and recovery 3 rightly ended on 794959).
void Model::supersede_annulments_of(std::uint64_t epoch) {
  const auto same = [epoch](const Annulment& a) { return a.epoch == epoch; };
  if (std::erase_if(annulments_, same) == 0) return;
  std::erase_if(unsettled_annulments_, same);
  annulled_up_to_ = annulled_below_horizon_;
  for (const Annulment& a : annulments_) annulled_up_to_ = std::max(annulled_up_to_, a.to);
}

bool Model::forgets(const Mtr& m, const obs::Recovered& r) const {
  if (m.cpl > r.vdl) return true;
  const auto overlaps = [&m](Lsn from, Lsn to) { return m.first <= to && m.cpl >= from; };
  if (annuls_something(r) && overlaps(r.annul_from, r.annul_to)) return true;
  for (const Annulment& an : unsettled_annulments_) {
    if (overlaps(an.from, an.to)) return true;
  }
  return false;
}

Lsn Model::watermark_when_lost(const Mtr& m, const obs::Recovered& r) const {
  for (const Annulment& an : unsettled_annulments_) {
    if (m.first <= an.to && m.cpl >= an.from) return an.watermark;
  }
  return r.watermark;
}

// Everything wholly below the horizon goes: no read asks there, and a recovery or an
// allocation reaching down there is a violation by itself (durability, lsn_unique), which
// needs no record of what was there.
void Model::apply_horizon(const obs::GcHorizon& h) {
  if (h.lsn <= horizon_) return;
  horizon_ = h.lsn;
  pages_.forget_below(horizon_);
  while (!mtrs_.empty() && mtrs_.begin()->first < horizon_) {
    live_by_id_.erase(mtrs_.begin()->second.id);
    mtrs_.erase(mtrs_.begin());
  }
  while (!forgotten_.empty() && forgotten_.begin()->first < horizon_) {
    forgotten_.erase(forgotten_.begin());
  }
  for (auto it = allocations_.begin(); it != allocations_.end() && it->first < horizon_;) {
    it = it->second < horizon_ ? allocations_.erase(it) : std::next(it);
  }
  consistency_points_.erase(consistency_points_.begin(),
                            consistency_points_.lower_bound(horizon_));
  for (const Annulment& a : annulments_) {
    if (a.to < horizon_) annulled_below_horizon_ = std::max(annulled_below_horizon_, a.to);
  }
  std::erase_if(annulments_, [this](const Annulment& a) { return a.to < horizon_; });
}

std::vector<const Mtr*> Model::acked_lost_by(const obs::Recovered& r) const {
  std::vector<const Mtr*> out;
  if (r.corruption) return out;
  for (const auto& [cpl, m] : mtrs_) {
    if (m.acked && (r.fresh || forgets(m, r))) out.push_back(&m);
  }
  return out;
}

void Model::apply_recovered(const obs::Recovered& r) {
  if (r.corruption) {
    // The open failed: nothing it says can be trusted, and nothing is forgotten yet.
    corruption_reported_ = true;
    new_incarnation();
    return;
  }
  if (r.fresh) {
    // A new volume: whatever the model knew belonged to another one.
    const std::uint64_t incarnation = incarnation_;
    *this = Model(page_size_);
    incarnation_ = incarnation;
    highest_epoch_ = r.epoch;
    new_incarnation();
    return;
  }
  const bool annulled = annuls_something(r);
  for (auto it = mtrs_.begin(); it != mtrs_.end();) {
    auto next = std::next(it);
    if (forgets(it->second, r)) forget(it);
    it = next;
  }
  unsettled_annulments_.clear();
  consistency_points_.insert(r.vdl);
  if (annulled) {
    supersede_annulments_of(r.epoch);
    annulments_.push_back({r.annul_from, r.annul_to, r.epoch, incarnation_ + 1, r.watermark});
    annulled_up_to_ = std::max(annulled_up_to_, r.annul_to);
    consistency_points_.insert(r.annul_to);
  }
  highest_vdl_acted_on_ = std::min(highest_vdl_acted_on_, r.vdl);
  corruption_reported_ = false;
  highest_epoch_ = std::max(highest_epoch_, r.epoch);
  new_incarnation();
  vdl_in_incarnation_ = annulled ? std::max(r.vdl, r.annul_to) : r.vdl;
}

const Mtr* Model::mtr_with_id(const std::string& id) const {
  auto it = live_by_id_.find(id);
  if (it == live_by_id_.end()) return nullptr;
  auto m = mtrs_.find(it->second);
  return m == mtrs_.end() ? nullptr : &m->second;
}

const std::string* Model::refusal_of(const std::string& id) const {
  auto it = refusals_.find(id);
  return it == refusals_.end() ? nullptr : &it->second;
}

const Mtr* Model::mtr_containing(Lsn lsn) const {
  auto it = mtrs_.lower_bound(lsn);  // first MTR with cpl >= lsn
  if (it == mtrs_.end() || it->second.first > lsn) return nullptr;
  return &it->second;
}

std::vector<const Mtr*> Model::acked_above(Lsn lsn) const {
  std::vector<const Mtr*> out;
  for (auto it = mtrs_.upper_bound(lsn); it != mtrs_.end(); ++it) {
    if (it->second.acked) out.push_back(&it->second);
  }
  return out;
}

std::optional<std::pair<Lsn, Lsn>> Model::allocation_overlapping(Lsn first, Lsn last) const {
  // While earlier ranges are disjoint, only the one starting last at or below `last` can
  // overlap: any range starting before it and reaching `first` would overlap it too (an
  // earlier violation, already reported).
  auto it = allocations_.upper_bound(last);
  if (it == allocations_.begin()) return std::nullopt;
  --it;
  if (it->second >= first) return std::pair{it->first, it->second};
  return std::nullopt;
}

bool Model::is_consistency_point(Lsn lsn) const {
  return lsn == 0 || lsn < horizon_ || consistency_points_.contains(lsn);
}

const Annulment* Model::annulment_containing(Lsn lsn) const {
  for (const Annulment& a : annulments_) {
    if (lsn >= a.from && lsn <= a.to) return &a;
  }
  return nullptr;
}

Bytes Model::page_at_with(PageId page, Lsn at, const std::vector<const Mtr*>& extra) const {
  std::vector<std::pair<Lsn, const Write*>> writes;
  for (const Mtr* m : extra) {
    for (std::size_t i = 0; i < m->writes.size(); ++i) writes.emplace_back(m->lsn_of(i), &m->writes[i]);
  }
  std::stable_sort(writes.begin(), writes.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  return pages_.at_with(page, at, writes);
}

}  // namespace aurora::workloads::check
