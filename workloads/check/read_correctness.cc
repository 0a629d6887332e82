// 4.8: a read of page P at read point R equals the model's replay of all of P's records
// with LSN <= R, for every R the engine accepts; a read below the GC horizon is a clear
// error ("out_of_range", allowed only below the bound the storage announced when the read
// began), never stale or newer data. Any other error is a violation in the recoverable
// regime; in the unrestricted regime reads may fail loudly, but never return wrong data.
// Below the model's horizon (history.h GcHorizon: the storage made its GC floor durable
// above it) no read may return bytes at all. A refresh that fails is judged like a read
// that fails.
#include "workloads/check/checkers.h"
#include "workloads/check/describe.h"

namespace aurora::workloads::check {
namespace {

class ReadCorrectness final : public Checker {
 public:
  explicit ReadCorrectness(bool unrestricted) : unrestricted_(unrestricted) {}

  std::string_view name() const override { return "read_correctness"; }
  std::string_view invariant() const override {
    return "4.8: A read of page P at read point R equals the model's replay of all of P's "
           "records with LSN <= R; a read below the GC horizon is a clear error.";
  }

  std::optional<std::string> observe(const Observation& o, const Model& model) override {
    if (const auto* f = std::get_if<obs::RefreshFailed>(&o)) {
      if (unrestricted_) return std::nullopt;
      return "node " + f->node + "'s refresh failed with '" + f->error +
             "' in the recoverable regime: expected the node's read point to move to the VDL "
             "(only media faults may fail a read)";
    }
    const auto* r = std::get_if<obs::Read>(&o);
    if (r == nullptr) return std::nullopt;
    const std::string what = "node " + r->node + " read page " + std::to_string(r->page) + " at " +
                             (r->at_read_point ? "its read point " : "LSN ") +
                             std::to_string(r->at);
    if (r->bytes && r->at < model.horizon()) return below_horizon(what, model);
    if (r->bytes) {
      const Bytes& expected = model.page_at(r->page, r->at);
      if (*r->bytes == expected) return std::nullopt;
      return what + ": expected the model's replay of LSNs <= " + std::to_string(r->at) + "; " +
             describe_page_difference(model, r->page, r->at, expected, *r->bytes);
    }
    if (!r->error) return std::nullopt;
    if (*r->error == "out_of_range") {
      if (r->at < r->may_refuse_below) return std::nullopt;
      return what + " and was refused (out_of_range): expected refusals only below LSN " +
             std::to_string(r->may_refuse_below) +
             " (the GC bound when the read began), got one at " + std::to_string(r->at);
    }
    if (unrestricted_) return std::nullopt;
    return what + " and got error '" + *r->error +
           "' in the recoverable regime: expected the page (only media faults may fail a read)";
  }

 private:
  bool unrestricted_;
};

}  // namespace

std::unique_ptr<Checker> make_read_correctness(bool unrestricted) {
  return std::make_unique<ReadCorrectness>(unrestricted);
}

}  // namespace aurora::workloads::check
