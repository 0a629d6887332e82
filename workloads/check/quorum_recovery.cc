// Invariant 13: with at most 3 segments of any PG lost (a zone and one more), recovery
// loses no acknowledged MTR. Judged at each recovery of the quorum tier (QuorumRecovery,
// observed before its Recovered), on two counts:
//  - the plan was made from a read quorum of every PG: at least 3 distinct segments of the
//    PG (of either set during a membership change, whose writes go to 4 of each) whose
//    reports were counted. Fewer may miss every copy of an acknowledged record, since only a
//    read quorum is sure to meet every write quorum.
//  - when no PG lost more than 3 segments, no acknowledged MTR is above the recovered VDL,
//    whatever the fault regime: a media fault on at most 2 segments of a PG loses nothing,
//    since the others repair it (the base tier may lose data with a corruption report, and
//    invariant 7 allows that; this one does not).
#include <algorithm>
#include <set>

#include "engine/quorum/watermarks.h"
#include "workloads/check/checkers.h"
#include "workloads/check/describe.h"

namespace aurora::workloads::check {
namespace {

std::string list(const std::vector<std::uint32_t>& v) {
  std::string out = "{";
  for (std::size_t i = 0; i < v.size(); ++i) {
    out.append(i == 0 ? "" : ",").append(std::to_string(v[i]));
  }
  return out + "}";
}

// How many distinct segments of `set` are among `have`.
std::size_t count_in(const std::vector<std::uint32_t>& set,
                     const std::vector<std::uint32_t>& have) {
  const std::set<std::uint32_t> distinct(have.begin(), have.end());
  return static_cast<std::size_t>(
      std::count_if(set.begin(), set.end(), [&](std::uint32_t s) { return distinct.contains(s); }));
}

class QuorumRecoveryCheck final : public Checker {
 public:
  std::string_view name() const override { return "quorum_recovery"; }
  std::string_view invariant() const override {
    return "4.13: with at most 3 segments of any PG lost (AZ+1), recovery loses no "
           "acknowledged MTR.";
  }

  std::optional<std::string> observe(const Observation& o, const Model& model) override {
    const auto* r = std::get_if<obs::QuorumRecovery>(&o);
    if (r == nullptr) return std::nullopt;
    const std::string who = "the recovery of epoch " + std::to_string(r->epoch);
    const auto quorum = static_cast<std::size_t>(quorum::kReadQuorum);
    std::uint32_t most_lost = 0;
    for (const obs::QuorumRecovery::Pg& pg : r->pgs) {
      most_lost = std::max(most_lost, pg.lost);
      const std::size_t in_old = count_in(pg.layout.members, pg.sources);
      const std::size_t in_new = count_in(pg.layout.next, pg.sources);
      if (in_old >= quorum || in_new >= quorum) continue;
      std::string msg = who + " planned PG " + std::to_string(pg.layout.pg) +
                        " from the reports of " + list(pg.sources) + ", " +
                        std::to_string(in_old) + " of its segments " + list(pg.layout.members);
      if (!pg.layout.next.empty()) {
        msg += " and " + std::to_string(in_new) + " of the new set " + list(pg.layout.next);
      }
      return msg + ": expected a read quorum, " + std::to_string(quorum) + " of " +
             std::to_string(quorum::kReplicas) + (pg.layout.next.empty() ? "" : " of either set");
    }
    if (most_lost > static_cast<std::uint32_t>(quorum::kReplicas - quorum::kReadQuorum)) {
      return std::nullopt;  // beyond what the tier promises to survive
    }
    const std::vector<const Mtr*> lost = model.acked_above(r->vdl);
    if (lost.empty()) return std::nullopt;
    return who + " found VDL " + std::to_string(r->vdl) + " with at most " +
           std::to_string(most_lost) + " segments of any PG lost, losing " +
           std::to_string(lost.size()) + " acknowledged MTR(s), from " +
           describe_mtr(*lost.front()) + " to CPL " + std::to_string(lost.back()->cpl) +
           ": expected every acknowledged MTR at or below the recovered VDL";
  }
};

}  // namespace

std::unique_ptr<Checker> make_quorum_recovery() { return std::make_unique<QuorumRecoveryCheck>(); }

}  // namespace aurora::workloads::check
