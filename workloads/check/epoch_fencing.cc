// Invariant 14: no segment accepts a write, truncation or gossip of an older volume or
// membership epoch than one it has seen; a writer fenced by a newer epoch acknowledges
// nothing. A segment has seen an epoch once a fence or an annulment under it was made
// durable there (SegmentAccepted "fence" and "annul"): from then on, across its crashes, an
// append under an older epoch is a stale writer's, or stale gossip, getting through. And
// once a recovery under epoch E opened the volume (Recovered), a writer of an older epoch
// acknowledging anything (QuorumAcked) is the fenced writer going on.
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
      recovered_epoch_ = std::max(recovered_epoch_, r->epoch);
      return std::nullopt;
    }
    if (const auto* a = std::get_if<obs::QuorumAcked>(&o)) {
      if (a->writer_epoch >= recovered_epoch_) return std::nullopt;
      return "a writer of epoch " + std::to_string(a->writer_epoch) + " acknowledged the MTR " +
             "ending at CPL " + std::to_string(a->cpl) + " after a recovery opened epoch " +
             std::to_string(recovered_epoch_) + "; expected the fenced writer to acknowledge "
             "nothing";
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
  std::uint64_t recovered_epoch_ = 0;
};

}  // namespace

std::unique_ptr<Checker> make_epoch_fencing() { return std::make_unique<EpochFencing>(); }

}  // namespace aurora::workloads::check
