// Commits over a network (DESIGN.md section 5b): a commit may be sent again when its answer
// is lost, or copied by the network, and the engine must apply it once. Judged by the MTR
// id that every attempt carries (history.h Appended::mtr):
//  - an MTR is appended at most once while it lives (appended again after a recovery
//    forgot it is a new, legal attempt);
//  - the CPL a node is told (Committed) is the CPL of its MTR's append;
//  - an MTR whose commit was refused (the engine said it did not happen) is never appended.
// A commit whose outcome is unknown (CommitUnknown) is held to nothing here: either
// outcome is correct, and the other checkers hold it to all-or-nothing and, once seen, to
// staying.
#include "workloads/check/checkers.h"

namespace aurora::workloads::check {
namespace {

std::string range(Lsn first, Lsn cpl) {
  return std::string("[").append(std::to_string(first)).append(", ").append(std::to_string(cpl))
      .append("]");
}
std::string range(const Mtr& m) { return range(m.first, m.cpl); }

class CommitOnce final : public Checker {
 public:
  std::string_view name() const override { return "commit_once"; }
  std::string_view invariant() const override {
    return "4.1 and 4.6 under retries: an MTR committed again under its id is appended once; "
           "a node is told its own MTR's CPL; a refused MTR is never appended.";
  }

  std::optional<std::string> observe(const Observation& o, const Model& model) override {
    if (const auto* a = std::get_if<obs::Appended>(&o); a != nullptr && !a->mtr.empty()) {
      const std::string here = range(a->first, a->cpl);
      if (const Mtr* before = model.mtr_with_id(a->mtr)) {
        return "MTR " + a->mtr + " of node " + a->node + " was appended twice: at LSNs " +
               range(*before) + " and again at " + here +
               "; expected a retry to be recognized by its id and answered from the first";
      }
      if (const std::string* refused = model.refusal_of(a->mtr)) {
        return "MTR " + a->mtr + " was appended at LSNs " + here + " after node " + a->node +
               " was told its commit was refused ('" + *refused + "')";
      }
      return std::nullopt;
    }
    if (const auto* c = std::get_if<obs::Committed>(&o); c != nullptr && !c->mtr.empty()) {
      const Mtr* m = model.mtr_with_id(c->mtr);
      if (m == nullptr || m->cpl == c->cpl) return std::nullopt;
      return "node " + c->node + " was told MTR " + c->mtr + " committed at CPL " +
             std::to_string(c->cpl) + ", but it was appended at LSNs " + range(*m);
    }
    if (const auto* r = std::get_if<obs::CommitRefused>(&o)) {
      const Mtr* m = model.mtr_with_id(r->mtr);
      if (m == nullptr) return std::nullopt;
      return "node " + r->node + " was told the commit of MTR " + r->mtr + " was refused ('" +
             r->error + "'), but it was appended at LSNs " + range(*m);
    }
    return std::nullopt;
  }
};

}  // namespace

std::unique_ptr<Checker> make_commit_once() { return std::make_unique<CommitOnce>(); }

}  // namespace aurora::workloads::check
