// Invariant 14: no segment accepts a write, truncation or gossip of an older volume or
// membership epoch than one it has seen; a writer fenced by a newer epoch acknowledges
// nothing. A segment has seen an epoch once a fence or an annulment under it was made
// durable there (SegmentAccepted "fence" and "annul"): from then on, across its crashes, an
// append under an older epoch is a stale writer's, or stale gossip, getting through. And
// once a recovery under a newer epoch opened the volume (Recovered), a writer of an older
// epoch acknowledging (QuorumAcked) an MTR above the VDL that recovery found is the fenced
// writer going on: that MTR was annulled. (An old writer may still acknowledge what it had
// on a write quorum before the fence, when those acknowledgements reach it late: the
// recovery holds every such MTR, so the acknowledgement is true.)
#include <map>

#include "workloads/check/checkers.h"

namespace aurora::workloads::check {
namespace {

class EpochFencing final : public Checker {
 public:
  std::string_view name() const override { return "epoch_fencing"; }
  std::string_view invariant() const override {
    return "4.14: no segment accepts anything of an epoch older than one it has seen; a "
           "writer fenced by a newer epoch acknowledges nothing.";
  }

  std::optional<std::string> observe(const Observation& o, const Model&) override {
    if (const auto* r = std::get_if<obs::Recovered>(&o)) {
      if (!r->corruption) recovered_.try_emplace(r->epoch, r->fresh ? 0 : r->vdl);
      return std::nullopt;
    }
    if (const auto* a = std::get_if<obs::QuorumAcked>(&o)) {
      // The first recovery above the writer's epoch is the one that fenced it.
      const auto fenced_by = recovered_.upper_bound(a->writer_epoch);
      if (fenced_by == recovered_.end() || a->cpl <= fenced_by->second) return std::nullopt;
      return "a writer of epoch " + std::to_string(a->writer_epoch) + " acknowledged the MTR " +
             "ending at CPL " + std::to_string(a->cpl) + " after the recovery of epoch " +
             std::to_string(fenced_by->first) + " opened the volume at VDL " +
             std::to_string(fenced_by->second) + "; expected the fenced writer to acknowledge "
             "nothing more";
    }
    const auto* s = std::get_if<obs::SegmentAccepted>(&o);
    if (s == nullptr) return std::nullopt;
    Seen& seen = seen_[s->segment];
    if (s->volume_epoch < seen.volume || s->membership_epoch < seen.membership) {
      return "segment " + std::to_string(s->segment) + " accepted an " + s->what +
             " under epochs " + std::to_string(s->volume_epoch) + "/" +
             std::to_string(s->membership_epoch) + " after it had made epochs " +
             std::to_string(seen.volume) + "/" + std::to_string(seen.membership) +
             " durable; expected it to refuse the older sender (fenced)";
    }
    if (s->what != "append") {
      seen.volume = std::max(seen.volume, s->volume_epoch);
      seen.membership = std::max(seen.membership, s->membership_epoch);
    }
    return std::nullopt;
  }

 private:
  struct Seen {
    std::uint64_t volume = 0;
    std::uint64_t membership = 0;
  };
  std::map<std::uint32_t, Seen> seen_;
  std::map<std::uint64_t, Lsn> recovered_;  // each recovery's epoch and the VDL it found
};

}  // namespace

std::unique_ptr<Checker> make_epoch_fencing() { return std::make_unique<EpochFencing>(); }

}  // namespace aurora::workloads::check
