// 4.11: after an fsync failure nothing more is acknowledged from that incarnation. An
// acknowledgement observed after the failure is allowed only for a CPL at or below the
// highest VDL observed before it (that MTR was durable before the failure; its waiter
// just ran late).
#include "workloads/check/checkers.h"
#include "workloads/check/describe.h"

namespace aurora::workloads::check {
namespace {

class FsyncStop final : public Checker {
 public:
  std::string_view name() const override { return "fsync_stop"; }
  std::string_view invariant() const override {
    return "4.11: After an fsync failure nothing more is acknowledged from that incarnation; "
           "the engine stops and recovers from what is durable.";
  }

  std::optional<std::string> observe(const Observation& o, const Model& model) override {
    const auto* a = std::get_if<obs::Acked>(&o);
    if (a == nullptr || !model.fsync_failed() || a->cpl <= model.vdl_before_fsync_failure()) {
      return std::nullopt;
    }
    return "node " + a->node + " was acknowledged CPL " + std::to_string(a->cpl) + " (VDL " +
           std::to_string(a->vdl) + ") after an fsync failure in incarnation " +
           std::to_string(model.incarnation()) + ": expected no acknowledgement above VDL " +
           std::to_string(model.vdl_before_fsync_failure()) +
           " (the highest observed before the failure) until recovery";
  }
};

}  // namespace

std::unique_ptr<Checker> make_fsync_stop() { return std::make_unique<FsyncStop>(); }

}  // namespace aurora::workloads::check
