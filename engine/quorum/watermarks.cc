#include "engine/quorum/watermarks.h"

#include <algorithm>
#include <functional>

#include "engine/runtime/assert.h"
#include "engine/wal/log.h"

namespace aurora::quorum {

bool contains(const SegmentSet& set, SegmentId s) {
  return std::find(set.begin(), set.end(), s) != set.end();
}

std::vector<SegmentId> all_segments(const Membership& m) {
  std::vector<SegmentId> out(m.members.begin(), m.members.end());
  if (m.next) {
    for (SegmentId s : *m.next) {
      if (!contains(m.members, s)) out.push_back(s);
    }
  }
  return out;
}

namespace {

int count_in(const SegmentSet& set, std::span<const SegmentId> have) {
  int n = 0;
  for (SegmentId s : set) {
    if (std::find(have.begin(), have.end(), s) != have.end()) ++n;
  }
  return n;
}

// The highest LSN that `need` members of `set` have all completed: the need-th highest SCL.
Lsn kth_highest(const SegmentSet& set, const std::map<SegmentId, Lsn>& scl, int need) {
  std::array<Lsn, kReplicas> v{};
  for (int i = 0; i < kReplicas; ++i) {
    const auto it = scl.find(set[static_cast<std::size_t>(i)]);
    v[static_cast<std::size_t>(i)] = it == scl.end() ? 0 : it->second;
  }
  std::sort(v.begin(), v.end(), std::greater<>());
  return v[static_cast<std::size_t>(need - 1)];
}

}  // namespace

bool is_write_quorum(const Membership& m, std::span<const SegmentId> have) {
  if (count_in(m.members, have) < kWriteQuorum) return false;
  return !m.next || count_in(*m.next, have) >= kWriteQuorum;
}

bool is_read_quorum(const Membership& m, std::span<const SegmentId> have) {
  if (count_in(m.members, have) >= kReadQuorum) return true;
  return m.next && count_in(*m.next, have) >= kReadQuorum;
}

Lsn pgcl(const Membership& m, const std::map<SegmentId, Lsn>& scl) {
  Lsn out = kth_highest(m.members, scl, kWriteQuorum);
  if (m.next) out = std::min(out, kth_highest(*m.next, scl, kWriteQuorum));
  return out;
}

Lsn vcl(std::span<const PgProgress> pgs, Lsn highest_allocated, Lsn floor) {
  Lsn out = highest_allocated;
  for (const PgProgress& pg : pgs) {
    // A PG whose next record is N may still miss N: nothing at or above N is complete.
    if (pg.next_record != kNoLsn) out = std::min(out, pg.next_record - 1);
  }
  return std::max(out, floor);
}

Lsn vdl(const std::set<Lsn>& cpls, Lsn vcl, Lsn floor) {
  auto it = cpls.upper_bound(vcl);
  if (it == cpls.begin()) return floor;
  return std::max(*std::prev(it), floor);
}

Lsn SclTracker::add(Lsn lsn, Lsn prev) {
  if (lsn <= scl_ || !held_.insert(lsn).second) return scl_;
  if (prev != scl_) {
    waiting_.emplace(prev, lsn);
    return scl_;
  }
  scl_ = lsn;
  // The records that waited for this one, in chain order.
  for (auto it = waiting_.find(scl_); it != waiting_.end(); it = waiting_.find(scl_)) {
    scl_ = it->second;
    waiting_.erase(it);
  }
  return scl_;
}

void SclTracker::cut_above(Lsn keep_to) {
  held_.erase(held_.upper_bound(keep_to), held_.end());
  for (auto it = waiting_.begin(); it != waiting_.end();) {
    it = it->second > keep_to ? waiting_.erase(it) : std::next(it);
  }
  if (scl_ > keep_to) {
    // The chain was complete to scl_, so every PG record at or below keep_to is held: the
    // highest of them is the new SCL (or 0 when the PG had none).
    auto it = held_.upper_bound(keep_to);
    scl_ = it == held_.begin() ? 0 : *std::prev(it);
  }
}

bool is_annulled(std::span<const AnnulledRange> annulled, Lsn lsn, Epoch epoch) {
  return std::any_of(annulled.begin(), annulled.end(), [&](const AnnulledRange& r) {
    return r.from <= lsn && lsn <= r.to && epoch < r.epoch;
  });
}

Result<RecoveryPlan> plan_recovery(const std::map<PgId, Membership>& members,
                                   const std::map<PgId, std::vector<SegmentReport>>& reports,
                                   Lsn lal) {
  AURORA_ASSERT(lal >= 1 && lal <= wal::kMaxLal, "LAL out of range");
  // Every annulment any report knows, and the highest epoch anywhere.
  std::vector<AnnulledRange> annulled;
  Epoch top_epoch = 0;   // the highest epoch that annulled or wrote anything
  Epoch seen_epoch = 0;  // the highest any report has seen (this recovery's fence, say)
  std::map<PgId, std::vector<SegmentId>> sources;
  for (const auto& [pg, m] : members) {
    const auto it = reports.find(pg);
    std::vector<SegmentId> who;
    if (it != reports.end()) {
      for (const SegmentReport& r : it->second) {
        if (!r.suspect) who.push_back(r.segment);
      }
    }
    if (!is_read_quorum(m, who)) {
      return Status::invalid_argument("PG " + std::to_string(pg) + ": " +
                                      std::to_string(who.size()) +
                                      " reports are not a read quorum of " + to_string(m));
    }
    sources[pg] = who;
    for (const SegmentReport& r : it->second) {
      seen_epoch = std::max(seen_epoch, r.volume_epoch);
      for (const AnnulledRange& a : r.annulled) {
        top_epoch = std::max(top_epoch, a.epoch);
        if (std::find(annulled.begin(), annulled.end(), a) == annulled.end()) {
          annulled.push_back(a);
        }
      }
    }
  }
  std::sort(annulled.begin(), annulled.end(),
            [](const AnnulledRange& a, const AnnulledRange& b) { return a.from < b.from; });

  // The union of what the reports hold, without what was annulled.
  std::map<Lsn, std::pair<PgId, RecordMeta>> held;
  Lsn highest_seen = 0;
  for (const auto& [pg, list] : reports) {
    if (!members.contains(pg)) continue;
    for (const SegmentReport& r : list) {
      for (const RecordMeta& rec : r.records) {
        top_epoch = std::max(top_epoch, rec.epoch);
        highest_seen = std::max(highest_seen, rec.lsn);
        if (is_annulled(annulled, rec.lsn, rec.epoch)) continue;
        held.emplace(rec.lsn, std::pair{pg, rec});
      }
    }
  }
  for (const AnnulledRange& a : annulled) highest_seen = std::max(highest_seen, a.to);

  // VCL: the end of the dense run from LSN 1, annulled ranges skipped.
  RecoveryPlan plan;
  Lsn next = 1;
  std::size_t a = 0;
  for (;;) {
    while (a < annulled.size() && annulled[a].to < next) ++a;
    if (a < annulled.size() && annulled[a].from <= next) {
      // An annulment's end is a consistency point, as in the base log: the VDL a writer had
      // right after its recovery, which a later recovery must not fall below (invariant 4).
      plan.vcl = plan.vdl = annulled[a].to;
      next = annulled[a].to + 1;
      continue;
    }
    const auto it = held.find(next);
    if (it == held.end()) break;
    const auto& [pg, rec] = it->second;
    if (rec.cpl) plan.vdl = rec.lsn;
    plan.vcl = rec.lsn;
    ++next;
  }
  // Each PG's last record at or below VDL: the back-link its next record will carry.
  for (const auto& [pg, m] : members) plan.pg_tail[pg] = kNoLsn;
  for (const auto& [lsn, entry] : held) {
    if (lsn > plan.vdl) break;
    plan.pg_tail[entry.first] = lsn;
  }
  if (plan.vdl > wal::highest_recoverable_vdl(lal) ||
      highest_seen > wal::highest_recoverable_lsn(lal)) {
    return Status::corruption("recovered LSNs leave no allocation window below 2^64");
  }
  // Above every epoch that did anything; the fence's own epoch when that is higher (a fence
  // installs nothing but the number, and the recovery that fenced owns it).
  plan.epoch = std::max(top_epoch + 1, seen_epoch);
  // A new volume (no segment of any read quorum has seen an epoch, so no writer ever
  // installed one on a write quorum, nor wrote a record) annuls nothing: an empty range.
  const bool fresh = top_epoch == 0 && held.empty() && annulled.empty();
  const AnnulledRange range{plan.vdl + 1, fresh ? plan.vdl : std::max(plan.vdl + lal, highest_seen),
                            plan.epoch};
  plan.annul = range;
  plan.next_lsn = range.to + 1;
  annulled.push_back(range);
  plan.annulled = std::move(annulled);
  plan.sources = std::move(sources);
  return plan;
}

std::string to_string(const Membership& m) {
  auto set = [](const SegmentSet& s) {
    std::string out = "{";
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (i > 0) out += ",";
      out += std::to_string(s[i]);
    }
    return out + "}";
  };
  std::string out = "epoch " + std::to_string(m.epoch) + " " + set(m.members);
  if (m.next) out.append(" -> ").append(set(*m.next));
  return out;
}

}  // namespace aurora::quorum
