// 4.5: truncation is final: a record annulled by recovery is never visible again, after
// any number of later crashes. Judged four ways:
//  - no allocation reuses an annulled LSN (lsn_unique reports it too, as a reuse);
//  - no later recovery or State puts VCL or VDL strictly inside an annulled range (its end
//    is the recovery's consistency point, so it may be reached, not passed into);
//  - no read (Read, ColdWarm) returns bytes that are the model's replay with forgotten
//    MTRs' writes included, all of them or any one, when that differs from the replay
//    without them (read_correctness reports every wrong read too; this names the cause).
#include "workloads/check/checkers.h"
#include "workloads/check/describe.h"

namespace aurora::workloads::check {
namespace {

// Forgotten MTRs that wrote `page` at an LSN <= at, bounded so a broken engine on a long
// history cannot make every read quadratic.
std::vector<const Mtr*> forgotten_writers(const Model& model, PageId page, Lsn at) {
  constexpr std::size_t kMax = 256;
  std::vector<const Mtr*> out;
  for (const auto& [cpl, m] : model.forgotten()) {
    if (m.first > at) break;
    for (std::size_t i = 0; i < m.writes.size(); ++i) {
      if (m.writes[i].page == page && m.lsn_of(i) <= at) {
        out.push_back(&m);
        break;
      }
    }
    if (out.size() == kMax) break;
  }
  return out;
}

class TruncationFinal final : public Checker {
 public:
  std::string_view name() const override { return "truncation_final"; }
  std::string_view invariant() const override {
    return "4.5: Truncation is final: a record annulled by recovery is never visible again, "
           "after any number of later crashes.";
  }

  std::optional<std::string> observe(const Observation& o, const Model& model) override {
    if (const auto* a = std::get_if<obs::Appended>(&o)) {
      for (const Annulment& an : model.annulments()) {
        if (a->first <= an.to && a->cpl >= an.from) {
          return "node " + a->node + " was allocated LSNs " + lsn_range(a->first, a->cpl) +
                 ", reusing LSNs annulled by the recovery of epoch " + std::to_string(an.epoch) +
                 " " + lsn_range(an.from, an.to) + ": expected annulled LSNs never used again";
        }
      }
    }
    if (const auto* r = std::get_if<obs::Recovered>(&o); r && !r->fresh && !r->corruption) {
      if (auto m = inside_annulled("the recovery of epoch " + std::to_string(r->epoch) + " found",
                                   r->vcl, r->vdl, model, r->epoch)) {
        return m;
      }
    }
    if (const auto* s = std::get_if<obs::State>(&o)) {
      if (auto m = inside_annulled("state of epoch " + std::to_string(s->epoch) + " has", s->vcl,
                                   s->vdl, model, /*own_epoch=*/0)) {
        return m;
      }
    }
    if (const auto* r = std::get_if<obs::Read>(&o); r && r->bytes) {
      return read("node " + r->node + " read page " + std::to_string(r->page) + " at LSN " +
                      std::to_string(r->at),
                  r->page, r->at, *r->bytes, model);
    }
    if (const auto* c = std::get_if<obs::ColdWarm>(&o)) {
      const std::string what =
          " read of page " + std::to_string(c->page) + " at LSN " + std::to_string(c->at);
      if (auto m = read("a warm-cache" + what, c->page, c->at, c->warm, model)) return m;
      return read("a cold-cache" + what, c->page, c->at, c->cold, model);
    }
    return std::nullopt;
  }

 private:
  // A recovery's VCL is what its scan found, before it annulled everything above its VDL:
  // it may lie inside the range that recovery itself annulled (`own_epoch`), an MTR durable
  // only in part, but never inside one an earlier recovery annulled.
  static std::optional<std::string> inside_annulled(const std::string& who, Lsn vcl, Lsn vdl,
                                                    const Model& model, std::uint64_t own_epoch) {
    for (const Annulment& an : model.annulments()) {
      for (auto [label, lsn] : {std::pair{"VDL", vdl}, std::pair{"VCL", vcl}}) {
        if (an.epoch == own_epoch && std::string_view(label) == "VCL") continue;
        if (lsn >= an.from && lsn < an.to) {
          return who + " " + label + " " + std::to_string(lsn) + ", inside the range " +
                 lsn_range(an.from, an.to) + " annulled by the recovery of epoch " +
                 std::to_string(an.epoch) +
                 ": annulled records are part of the log again; "
                 "expected " +
                 label + " < " + std::to_string(an.from) + " or >= " + std::to_string(an.to);
        }
      }
    }
    return std::nullopt;
  }

  static std::optional<std::string> read(const std::string& what, PageId page, Lsn at,
                                         const Bytes& bytes, const Model& model) {
    if (at < model.horizon()) return std::nullopt;  // read_correctness reports it
    const Bytes& expected = model.page_at(page, at);
    if (bytes == expected) return std::nullopt;
    const std::vector<const Mtr*> writers = forgotten_writers(model, page, at);
    if (writers.empty()) return std::nullopt;
    const auto report = [&](const std::string& which) {
      return what + " and saw the writes of " + which + ": expected the replay without them; " +
             describe_page_difference(model, page, at, expected, bytes);
    };
    if (writers.size() > 1 && model.page_at_with(page, at, writers) == bytes) {
      return report(std::to_string(writers.size()) +
                    " annulled MTRs (the first: " + describe_mtr(*writers.front()) + ")");
    }
    for (const Mtr* m : writers) {
      if (model.page_at_with(page, at, {m}) == bytes) return report("annulled " + describe_mtr(*m));
    }
    return std::nullopt;
  }
};

}  // namespace

std::unique_ptr<Checker> make_truncation_final() { return std::make_unique<TruncationFinal>(); }

}  // namespace aurora::workloads::check
