// Invariant 15: the SCL, PGCL, VCL and VDL the tier reports equal the model's computation
// from the segments' durable states. The model computes them itself, from the durable SCLs
// the world reports (QuorumWatermarks) and the records it knows were written:
//  - PGCL: the 4th-highest durable SCL of the PG's segments (the lower of both sets' during
//    a membership change);
//  - VCL: below the first record of any PG above that PG's PGCL, and at most the highest LSN
//    written or annulled: every record up to it is on a write quorum of its PG;
//  - VDL: the highest consistency point at or below VCL.
// A writer learns SCLs from acknowledgements, which lag the disks, so at an acknowledgement
// each reported value must be at or below the model's (a writer ahead of its segments
// acknowledges what may not survive); once settled (no commit under way, every node up, the
// writer's SCLs caught up with the disks) they must be equal.
#include <algorithm>
#include <map>

#include "engine/quorum/watermarks.h"
#include "workloads/check/checkers.h"

namespace aurora::workloads::check {
namespace {

// The k-th highest (1-based) of the durable SCLs of `set`; 0 when fewer.
Lsn kth_highest(const std::vector<std::uint32_t>& set, const std::map<std::uint32_t, Lsn>& scl,
                std::size_t k) {
  std::vector<Lsn> v;
  for (std::uint32_t s : set) {
    const auto it = scl.find(s);
    v.push_back(it == scl.end() ? 0 : it->second);
  }
  if (v.size() < k) return 0;
  std::sort(v.begin(), v.end(), std::greater<>());
  return v[k - 1];
}

class QuorumWatermarksCheck final : public Checker {
 public:
  std::string_view name() const override { return "quorum_watermarks"; }
  std::string_view invariant() const override {
    return "4.15: the SCL, PGCL, VCL and VDL the tier reports equal the model's computation "
           "from the segments' durable states.";
  }

  std::optional<std::string> observe(const Observation& o, const Model& model) override {
    const auto* w = std::get_if<obs::QuorumWatermarks>(&o);
    if (w == nullptr) return std::nullopt;
    const std::string when = w->settled ? "once settled" : "at an acknowledgement";
    auto compare = [&](const std::string& what, Lsn reported, Lsn expected) {
      const bool bad = w->settled ? reported != expected : reported > expected;
      if (!bad) return std::optional<std::string>();
      return std::optional<std::string>(
          "the writer of epoch " + std::to_string(w->writer_epoch) + " reported " + what + " " +
          std::to_string(reported) + " " + when + ", where the segments' durable states give " +
          std::to_string(expected) + ": expected " + (w->settled ? "equal" : "at most that"));
    };

    std::map<std::uint32_t, Lsn> durable;
    for (const obs::QuorumWatermarks::Segment& s : w->segments) {
      durable[s.segment] = s.durable_scl;
      const std::string what = "segment " + std::to_string(s.segment) + "'s SCL";
      if (auto bad = compare(what, s.reported_scl, s.durable_scl)) return bad;
    }
    const auto k = static_cast<std::size_t>(quorum::kWriteQuorum);
    std::map<std::uint32_t, Lsn> pgcl;
    for (const obs::QuorumWatermarks::Pg& pg : w->pgs) {
      Lsn p = kth_highest(pg.layout.members, durable, k);
      if (!pg.layout.next.empty()) p = std::min(p, kth_highest(pg.layout.next, durable, k));
      pgcl[pg.layout.pg] = p;
      const std::string what = "PG " + std::to_string(pg.layout.pg) + "'s PGCL";
      if (auto bad = compare(what, pg.reported_pgcl, p)) return bad;
    }
    const Lsn vcl = model_vcl(*w, pgcl, model);
    if (auto bad = compare("VCL", w->vcl, vcl)) return bad;
    return compare("VDL", w->vdl, model_vdl(vcl, model));
  }

 private:
  // The first record of any PG above that PG's PGCL, less one; else the highest LSN written
  // or annulled.
  static Lsn model_vcl(const obs::QuorumWatermarks& w, const std::map<std::uint32_t, Lsn>& pgcl,
                       const Model& model) {
    Lsn vcl = std::max(model.highest_allocated(), model.annulled_up_to());
    if (pgcl.empty() || w.pgs.empty()) return vcl;
    Lsn lowest = vcl;
    for (const auto& [pg, p] : pgcl) lowest = std::min(lowest, p);
    const auto& mtrs = model.mtrs();
    for (auto it = mtrs.lower_bound(lowest + 1); it != mtrs.end(); ++it) {
      const Mtr& m = it->second;
      if (m.first > vcl) break;  // nothing further can lower it
      for (std::size_t i = 0; i < m.writes.size(); ++i) {
        const Lsn lsn = m.lsn_of(i);
        const auto pg = static_cast<std::uint32_t>((m.writes[i].page / w.pg_pages) % w.pgs.size());
        const auto p = pgcl.find(pg);
        if (p != pgcl.end() && lsn > p->second) vcl = std::min(vcl, lsn - 1);
      }
    }
    return vcl;
  }

  // The highest consistency point at or below `vcl`: a CPL, or the end of an annulment.
  static Lsn model_vdl(Lsn vcl, const Model& model) {
    Lsn vdl = 0;
    const auto& mtrs = model.mtrs();
    if (auto it = mtrs.upper_bound(vcl); it != mtrs.begin()) vdl = std::prev(it)->first;
    for (const Annulment& a : model.annulments()) {
      if (a.to <= vcl) vdl = std::max(vdl, a.to);
    }
    return vdl;
  }
};

}  // namespace

std::unique_ptr<Checker> make_quorum_watermarks() {
  return std::make_unique<QuorumWatermarksCheck>();
}

}  // namespace aurora::workloads::check
