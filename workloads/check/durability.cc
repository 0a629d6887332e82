// 4.7: acknowledged MTRs survive every crash; the recovered log is exactly a prefix (in
// LSN order) of what was written, ending on a CPL. Judged at each successful recovery:
//  - recoverable regime: no acknowledged MTR above the recovered VDL or inside a range
//    annulled by this recovery or by one a crash interrupted (a fresh volume after
//    acknowledgements loses them all). In the unrestricted regime losing them is allowed
//    only with a corruption report, which invariant 10 (torn_tail_vs_corruption) judges.
//  - both regimes: the recovered VDL is a consistency point, VCL >= VDL, and a non-empty
//    annulled range starts right after VDL (everything above VDL is annulled, nothing
//    between VDL and it survives); and it is not below the model's horizon, which is at
//    or below a GC floor the storage made durable: GC only collects below VDL, so a log
//    recovered below it has lost records it was sure of, which must be reported as
//    corruption.
// A recovery that reported corruption is left to invariant 10.
#include "workloads/check/checkers.h"
#include "workloads/check/describe.h"

namespace aurora::workloads::check {
namespace {

class Durability final : public Checker {
 public:
  explicit Durability(bool unrestricted) : unrestricted_(unrestricted) {}

  std::string_view name() const override { return "durability"; }
  std::string_view invariant() const override {
    return "4.7: Acknowledged MTRs survive every crash. The recovered log is exactly a prefix "
           "(in LSN order) of what was written, ending on a CPL.";
  }

  std::optional<std::string> observe(const Observation& o, const Model& model) override {
    const auto* r = std::get_if<obs::Recovered>(&o);
    if (r == nullptr || r->corruption) return std::nullopt;
    const std::string who = r->fresh ? std::string("a fresh volume was created")
                                     : "the recovery of epoch " + std::to_string(r->epoch) +
                                           " found VDL " + std::to_string(r->vdl);
    // First: below the horizon the model no longer keeps the MTRs to name.
    if (!r->fresh && r->vdl < model.horizon()) {
      return who + ", below the GC horizon " + std::to_string(model.horizon()) +
             " (a GC floor the storage made durable is at or above it) without a corruption "
             "report: expected VDL >= " +
             std::to_string(model.horizon()) + " or a corruption report";
    }
    if (!unrestricted_) {
      // Lost: above the recovered VDL, or inside a range this recovery (or one a crash
      // interrupted since) annulled.
      const std::vector<const Mtr*> lost = model.acked_lost_by(*r);
      if (!lost.empty()) {
        return who + ", losing " + std::to_string(lost.size()) + " acknowledged MTR(s), from " +
               describe_mtr(*lost.front()) + " to CPL " + std::to_string(lost.back()->cpl) +
               ": expected every acknowledged MTR to survive (recovered VDL >= " +
               std::to_string(lost.back()->cpl) + ", none of them annulled)";
      }
    }
    if (r->fresh) return std::nullopt;
    if (!model.is_consistency_point(r->vdl)) {
      std::string msg = who + ", which is not a consistency point";
      if (const Mtr* m = model.mtr_containing(r->vdl)) msg += " (inside " + describe_mtr(*m) + ")";
      return msg + ": expected the recovered log to end on a CPL";
    }
    if (r->vcl < r->vdl) {
      return who + " above its VCL " + std::to_string(r->vcl) + ": expected VDL <= VCL";
    }
    if (r->annul_to != 0 && r->annul_to >= r->annul_from && r->annul_from != r->vdl + 1) {
      return who + " but annulled " + lsn_range(r->annul_from, r->annul_to) +
             ": expected the annulled range to start at VDL + 1 = " + std::to_string(r->vdl + 1) +
             " (the recovered log is exactly the prefix up to VDL)";
    }
    return std::nullopt;
  }

 private:
  bool unrestricted_;
};

}  // namespace

std::unique_ptr<Checker> make_durability(bool unrestricted) {
  return std::make_unique<Durability>(unrestricted);
}

}  // namespace aurora::workloads::check
