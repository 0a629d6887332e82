// 4.2: at every allocation, LSN <= VDL + LAL (the VDL and LAL in force when it was made).
#include "workloads/check/checkers.h"
#include "workloads/check/describe.h"

namespace aurora::workloads::check {
namespace {

class AllocationLimit final : public Checker {
 public:
  std::string_view name() const override { return "allocation_limit"; }
  std::string_view invariant() const override {
    return "4.2: At every allocation, LSN <= VDL + LAL.";
  }

  std::optional<std::string> observe(const Observation& o, const Model&) override {
    const auto* a = std::get_if<obs::Appended>(&o);
    if (a == nullptr || a->cpl <= a->vdl || a->cpl - a->vdl <= a->lal) return std::nullopt;
    return "node " + a->node + " was allocated LSNs " + lsn_range(a->first, a->cpl) + " with VDL " +
           std::to_string(a->vdl) + " and LAL " + std::to_string(a->lal) +
           ": expected every LSN <= VDL + LAL = " + std::to_string(a->vdl + a->lal) + ", got LSN " +
           std::to_string(a->cpl);
  }
};

}  // namespace

std::unique_ptr<Checker> make_allocation_limit() { return std::make_unique<AllocationLimit>(); }

}  // namespace aurora::workloads::check
