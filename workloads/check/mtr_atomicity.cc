// 4.6: MTR atomicity: at every read point, and in every recovered state, each MTR's
// records are all present or all absent. Judged three ways:
//  - a recovery's VDL never falls strictly inside an MTR (first <= VDL < CPL);
//  - a read at a node's own read point reads at a consistency point;
//  - no read returns a page as it is in the middle of an MTR: bytes equal to the replay
//    up to an LSN strictly inside an MTR, which differs from that page both before the
//    MTR and after it (read_correctness reports every wrong read; this names the cause).
#include <algorithm>

#include "workloads/check/checkers.h"
#include "workloads/check/describe.h"

namespace aurora::workloads::check {
namespace {

class MtrAtomicity final : public Checker {
 public:
  std::string_view name() const override { return "mtr_atomicity"; }
  std::string_view invariant() const override {
    return "4.6: MTR atomicity: at every read point, and in every recovered state, each MTR's "
           "records are all present or all absent.";
  }

  std::optional<std::string> observe(const Observation& o, const Model& model) override {
    if (const auto* r = std::get_if<obs::Recovered>(&o); r && !r->fresh && !r->corruption) {
      const Mtr* m = model.mtr_containing(r->vdl);
      if (m != nullptr && r->vdl < m->cpl) {
        return "the recovery of epoch " + std::to_string(r->epoch) + " found VDL " +
               std::to_string(r->vdl) + ", inside " + describe_mtr(*m) +
               ": expected the recovered log to hold each MTR whole or not at all (VDL " +
               std::to_string(m->first - 1) + " or " + std::to_string(m->cpl) + ")";
      }
    }
    if (const auto* r = std::get_if<obs::Read>(&o)) {
      const std::string what = "node " + r->node + " read page " + std::to_string(r->page) +
                               " at " + (r->at_read_point ? "its read point " : "LSN ") +
                               std::to_string(r->at);
      if (r->at_read_point && !model.is_consistency_point(r->at)) {
        std::string msg = what + ", which is not a consistency point";
        if (const Mtr* m = model.mtr_containing(r->at)) msg += " (inside " + describe_mtr(*m) + ")";
        return msg + ": expected read points to be CPLs";
      }
      if (r->bytes) return partial(what, r->page, r->at, *r->bytes, model);
    }
    if (const auto* c = std::get_if<obs::ColdWarm>(&o)) {
      const std::string what =
          " read of page " + std::to_string(c->page) + " at LSN " + std::to_string(c->at);
      if (auto m = partial("a warm-cache" + what, c->page, c->at, c->warm, model)) return m;
      return partial("a cold-cache" + what, c->page, c->at, c->cold, model);
    }
    return std::nullopt;
  }

 private:
  static std::optional<std::string> partial(const std::string& what, PageId page, Lsn at,
                                            const Bytes& bytes, const Model& model) {
    if (at < model.horizon()) return std::nullopt;  // read_correctness reports it
    const Bytes& expected = model.page_at(page, at);
    if (bytes == expected) return std::nullopt;
    // The writes of this page nearest to `at` (a torn MTR straddles or follows the read
    // point), bounded so a broken engine cannot make every read quadratic.
    constexpr std::size_t kAround = 64;
    for (const Lsn lsn : model.write_lsns_around(page, at, kAround)) {
      const Mtr* m = model.mtr_containing(lsn);
      if (m == nullptr || lsn >= m->cpl) continue;
      const Bytes& inside = model.page_at(page, lsn);
      if (inside != bytes || inside == model.page_at(page, m->first - 1) ||
          inside == model.page_at(page, m->cpl)) {
        continue;
      }
      return what + " and saw part of " + describe_mtr(*m) + " (its records up to LSN " +
             std::to_string(lsn) + " only): expected whole MTRs, the replay at " +
             std::to_string(at) + "; " + describe_page_difference(model, page, at, expected, bytes);
    }
    return std::nullopt;
  }
};

}  // namespace

std::unique_ptr<Checker> make_mtr_atomicity() { return std::make_unique<MtrAtomicity>(); }

}  // namespace aurora::workloads::check
