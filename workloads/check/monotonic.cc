// 4.4: VCL and VDL never decrease within an epoch (here: an incarnation, between two
// recoveries); epochs never go back; the VDL recovered after a crash is >= every VDL acted
// on before it (acknowledged, or a read point a node read at).
//
// A recovery that reported corruption says nothing trustworthy about its VDL: invariant
// 10 judges it. In the unrestricted regime a recovery may lose acted-on VDLs when a
// corruption was reported since the last good recovery, or when they lie above the
// persisted watermark (the one exception of 4.10).
#include "workloads/check/checkers.h"
#include "workloads/check/describe.h"

namespace aurora::workloads::check {
namespace {

class Monotonic final : public Checker {
 public:
  explicit Monotonic(bool unrestricted) : unrestricted_(unrestricted) {}

  std::string_view name() const override { return "monotonic"; }
  std::string_view invariant() const override {
    return "4.4: VCL and VDL never decrease within an epoch; the VDL recovered after a crash is "
           ">= every VDL acted on before it (acknowledged, or handed to a reader).";
  }

  std::optional<std::string> observe(const Observation& o, const Model& model) override {
    if (const auto* s = std::get_if<obs::State>(&o)) return state(*s, model);
    if (const auto* r = std::get_if<obs::Recovered>(&o)) return recovered(*r, model);
    return std::nullopt;
  }

 private:
  static std::optional<std::string> state(const obs::State& s, const Model& model) {
    if (s.epoch < model.highest_epoch()) {
      return "epoch went back from " + std::to_string(model.highest_epoch()) + " to " +
             std::to_string(s.epoch) + ": expected epochs never to decrease";
    }
    const auto& last = model.last_state();
    if (!last) return std::nullopt;
    const std::string where = " within incarnation " + std::to_string(model.incarnation()) +
                              " (epoch " + std::to_string(s.epoch) + ")";
    if (s.vcl < last->vcl) {
      return "VCL went from " + std::to_string(last->vcl) + " down to " + std::to_string(s.vcl) +
             where + ": expected VCL never to decrease";
    }
    if (s.vdl < last->vdl) {
      return "VDL went from " + std::to_string(last->vdl) + " down to " + std::to_string(s.vdl) +
             where + ": expected VDL never to decrease";
    }
    return std::nullopt;
  }

  std::optional<std::string> recovered(const obs::Recovered& r, const Model& model) const {
    if (r.corruption) return std::nullopt;
    if (!r.fresh && r.epoch < model.highest_epoch()) {
      return "recovery opened epoch " + std::to_string(r.epoch) + " after epoch " +
             std::to_string(model.highest_epoch()) + ": expected epochs never to decrease";
    }
    const Lsn acted = model.highest_vdl_acted_on();
    const Lsn vdl = r.fresh ? 0 : r.vdl;
    if (vdl >= acted) return std::nullopt;
    if (unrestricted_ && !r.fresh && (model.corruption_reported() || acted > r.watermark)) {
      return std::nullopt;
    }
    if (r.fresh) {
      return "a fresh volume was created after VDL " + std::to_string(acted) +
             " had been acted on (acknowledged or read at): expected the volume to recover with "
             "VDL >= " +
             std::to_string(acted);
    }
    return "the recovery of epoch " + std::to_string(r.epoch) + " found VDL " +
           std::to_string(r.vdl) + ", below VDL " + std::to_string(acted) +
           " acted on before the crash (acknowledged or read at; persisted watermark " +
           std::to_string(r.watermark) + "): expected recovered VDL >= " + std::to_string(acted);
  }

  bool unrestricted_;
};

}  // namespace

std::unique_ptr<Checker> make_monotonic(bool unrestricted) {
  return std::make_unique<Monotonic>(unrestricted);
}

}  // namespace aurora::workloads::check
