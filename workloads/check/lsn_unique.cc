// 4.1: LSNs are unique for the life of the volume; after recovery every new LSN is above
// the annulled range. Judged at each allocation (against every earlier one, forgotten MTRs
// included, and the highest annul end) and at each recovery's next LSN, which must be above
// VDL + LAL as well: before the crash, allocations may have reached that far (4.2: an
// allocation's bound is the VDL then plus LAL, and the recovered VDL is at least that VDL),
// and a recovery cannot tell an LSN that was allocated and lost from one never allocated.
// The model knows which were; judged by them alone, a recovery that annuls too little fails
// only in runs where the allocations reached the limit exactly.
#include <algorithm>

#include "workloads/check/checkers.h"
#include "workloads/check/describe.h"

namespace aurora::workloads::check {
namespace {

class LsnUnique final : public Checker {
 public:
  std::string_view name() const override { return "lsn_unique"; }
  std::string_view invariant() const override {
    return "4.1: LSNs are unique for the life of the volume; after recovery every new LSN is "
           "above the annulled range.";
  }

  std::optional<std::string> observe(const Observation& o, const Model& model) override {
    if (const auto* a = std::get_if<obs::Appended>(&o)) return appended(*a, model);
    if (const auto* r = std::get_if<obs::Recovered>(&o)) return recovered(*r, model);
    return std::nullopt;
  }

 private:
  static std::optional<std::string> appended(const obs::Appended& a, const Model& model) {
    const std::string who = "node " + a.node + " was allocated LSNs " + lsn_range(a.first, a.cpl);
    if (a.first == 0 || a.cpl < a.first) {
      return who + ": expected a range with 1 <= first <= cpl";
    }
    if (auto earlier = model.allocation_overlapping(a.first, a.cpl)) {
      return who + ", overlapping the earlier allocation " +
             lsn_range(earlier->first, earlier->second) +
             ": expected every LSN allocated once for the life of the volume";
    }
    // LSNs strictly increase for the life of the volume (DESIGN.md section 3): so every new
    // one is unique, also against allocations the model no longer keeps (below its horizon).
    if (a.first <= model.highest_allocated()) {
      return who + ", not above LSN " + std::to_string(model.highest_allocated()) +
             " allocated before: expected LSNs to increase strictly for the life of the volume";
    }
    if (a.first <= model.annulled_up_to()) {
      std::string msg = who + ", at or below the end of the annulled ranges (LSN " +
                        std::to_string(model.annulled_up_to()) + ")";
      if (const Annulment* an = model.annulment_containing(a.first)) {
        msg += ", inside the range " + lsn_range(an->from, an->to) +
               " annulled by the recovery of epoch " + std::to_string(an->epoch);
      }
      return msg + ": expected every new LSN > " + std::to_string(model.annulled_up_to());
    }
    return std::nullopt;
  }

  static std::optional<std::string> recovered(const obs::Recovered& r, const Model& model) {
    if (r.fresh || r.corruption) return std::nullopt;
    Lsn floor = std::max(r.vdl, model.annulled_up_to());
    std::string why = "the recovered VDL " + std::to_string(r.vdl);
    if (r.annul_to != 0 && r.annul_to >= r.annul_from && r.annul_to >= floor) {
      floor = r.annul_to;
      why = "its annulled range " + lsn_range(r.annul_from, r.annul_to);
    } else if (model.annulled_up_to() > r.vdl) {
      why =
          "the earlier annulled ranges (up to LSN " + std::to_string(model.annulled_up_to()) + ")";
    }
    if (r.lal != 0 && r.vdl + r.lal > floor) {
      floor = r.vdl + r.lal;
      why = "VDL + LAL = " + std::to_string(r.vdl) + " + " + std::to_string(r.lal) +
            " (an allocation before the crash may have taken any LSN up to it)";
    }
    if (r.next_lsn <= floor) {
      return "the recovery of epoch " + std::to_string(r.epoch) + " will allocate from LSN " +
             std::to_string(r.next_lsn) + ", not above " + why + ": expected next LSN > " +
             std::to_string(floor);
    }
    return std::nullopt;
  }
};

}  // namespace

std::unique_ptr<Checker> make_lsn_unique() { return std::make_unique<LsnUnique>(); }

}  // namespace aurora::workloads::check
