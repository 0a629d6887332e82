// 4.3: read points <= VDL <= VCL <= highest allocated LSN; VDL is always a CPL. Judged on
// every State; "a CPL" is any consistency point the model knows: 0, an appended MTR's
// CPL, or a recovery's VDL or annul end (the annulment is recovery's consistency point).
#include <string>

#include "workloads/check/checkers.h"
#include "workloads/check/describe.h"

namespace aurora::workloads::check {
namespace {

class Ordering final : public Checker {
 public:
  std::string_view name() const override { return "ordering"; }
  std::string_view invariant() const override {
    return "4.3: read points <= VDL <= VCL <= highest allocated LSN; VDL is always a CPL.";
  }

  std::optional<std::string> observe(const Observation& o, const Model& model) override {
    const auto* s = std::get_if<obs::State>(&o);
    if (s == nullptr) return std::nullopt;
    const std::string at = "state of epoch " + std::to_string(s->epoch) + ": ";
    for (std::size_t i = 0; i < s->read_points.size(); ++i) {
      if (s->read_points[i] > s->vdl) {
        return at + "read point #" + std::to_string(i) + " is " +
               std::to_string(s->read_points[i]) + ": expected <= VDL " + std::to_string(s->vdl);
      }
    }
    if (s->vdl > s->vcl) {
      return at + "VDL " + std::to_string(s->vdl) + " > VCL " + std::to_string(s->vcl) +
             ": expected VDL <= VCL";
    }
    if (s->vcl > s->highest_allocated) {
      return at + "VCL " + std::to_string(s->vcl) + " > highest allocated LSN " +
             std::to_string(s->highest_allocated) + ": expected VCL <= highest allocated";
    }
    if (model.highest_allocated_in_incarnation() > s->highest_allocated) {
      return at + "highest allocated LSN is " + std::to_string(s->highest_allocated) +
             ", but LSN " + std::to_string(model.highest_allocated_in_incarnation()) +
             " was allocated in this incarnation: expected highest allocated >= " +
             std::to_string(model.highest_allocated_in_incarnation());
    }
    if (!model.is_consistency_point(s->vdl)) {
      std::string msg = at + "VDL " + std::to_string(s->vdl) + " is not a consistency point";
      if (const Mtr* m = model.mtr_containing(s->vdl)) msg += " (inside " + describe_mtr(*m) + ")";
      return msg + ": expected 0, the CPL of an MTR, or a recovery's VDL or annul end";
    }
    return std::nullopt;
  }
};

}  // namespace

std::unique_ptr<Checker> make_ordering() { return std::make_unique<Ordering>(); }

}  // namespace aurora::workloads::check
