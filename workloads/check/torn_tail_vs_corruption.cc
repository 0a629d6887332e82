// 4.10: recovery tells a torn tail from corruption. Judged at each recovery:
//  - recoverable regime: there are no media faults, so every hole is a torn tail; a
//    corruption report means the engine misjudged one.
//  - both regimes: a recovery that succeeds must not end the log below the persisted
//    watermark it found (a hole at or below it is corruption, never the end of the log).
//  - unrestricted regime: acknowledged data is lost only with a corruption report (at this
//    recovery or one since the last good one), except MTRs acknowledged above the
//    persisted watermark, which one copy cannot protect. A fresh volume where one existed
//    loses everything silently. An MTR lost inside the range of a recovery that a crash
//    interrupted was lost by that recovery, against the watermark it found: this one only
//    finds the annulment durable, with a watermark raised to the annulment's end.
#include "workloads/check/checkers.h"
#include "workloads/check/describe.h"

namespace aurora::workloads::check {
namespace {

class TornTailVsCorruption final : public Checker {
 public:
  explicit TornTailVsCorruption(bool unrestricted) : unrestricted_(unrestricted) {}

  std::string_view name() const override { return "torn_tail_vs_corruption"; }
  std::string_view invariant() const override {
    return "4.10: Recovery tells a torn tail from corruption: a hole above the persisted "
           "watermark is a torn tail, at or below it corruption, reported, never annulled "
           "silently.";
  }

  std::optional<std::string> observe(const Observation& o, const Model& model) override {
    const auto* r = std::get_if<obs::Recovered>(&o);
    if (r == nullptr) return std::nullopt;
    if (r->corruption) {
      if (unrestricted_) return std::nullopt;
      return "recovery reported corruption in the recoverable regime (no media faults, so every "
             "hole is a torn tail): expected a successful recovery, got: " +
             *r->corruption;
    }
    if (r->fresh) {
      const std::vector<const Mtr*> lost = model.acked_lost_by(*r);
      if (!unrestricted_ || lost.empty()) return std::nullopt;  // recoverable: durability
      return "a fresh volume was created, silently losing " + std::to_string(lost.size()) +
             " acknowledged MTR(s) up to CPL " + std::to_string(lost.back()->cpl) +
             ": expected a corruption report";
    }
    const std::string who = "the recovery of epoch " + std::to_string(r->epoch);
    if (r->watermark > r->vdl) {
      const std::vector<const Mtr*> lost = model.acked_lost_by(*r);
      return who + " ended the log at VDL " + std::to_string(r->vdl) + " (VCL " +
             std::to_string(r->vcl) + "), below the persisted watermark " +
             std::to_string(r->watermark) + ", without reporting corruption (" +
             std::to_string(lost.size()) +
             " acknowledged MTR(s) lost): expected a hole at or "
             "below the watermark to be reported as corruption";
    }
    if (!unrestricted_ || model.corruption_reported()) return std::nullopt;
    std::vector<const Mtr*> protected_lost;
    Lsn watermark = 0;
    for (const Mtr* m : model.acked_lost_by(*r)) {
      const Lsn w = model.watermark_when_lost(*m, *r);
      if (m->cpl > w) continue;
      protected_lost.push_back(m);
      watermark = std::max(watermark, w);
    }
    if (protected_lost.empty()) return std::nullopt;
    return who + " found VDL " + std::to_string(r->vdl) + ", losing " +
           std::to_string(protected_lost.size()) +
           " acknowledged MTR(s) at or below the persisted watermark " +
           std::to_string(watermark) + " (from " + describe_mtr(*protected_lost.front()) +
           ") without a corruption report: expected VDL >= " +
           std::to_string(protected_lost.back()->cpl) + " or a corruption report";
  }

 private:
  bool unrestricted_;
};

}  // namespace

std::unique_ptr<Checker> make_torn_tail_vs_corruption(bool unrestricted) {
  return std::make_unique<TornTailVsCorruption>(unrestricted);
}

}  // namespace aurora::workloads::check
