// Invariant 16, for read replicas: a read replica never exposes part of an MTR or anything
// above VDL. Judged at each read a replica served (ReplicaRead): its read point is a
// consistency point (a CPL, or a recovery's VDL or annulment end) at or below the highest
// VDL any writer had reached, and the bytes are the model's page at that read point. A
// replica that applies records above VDL, or part of an MTR, serves a page no consistency
// point has. (The other half of invariant 16, a read served by a segment, is every compute
// node's read through the writer: read_correctness, 4.8, judges those against the same
// model.)
#include "workloads/check/checkers.h"
#include "workloads/check/describe.h"

namespace aurora::workloads::check {
namespace {

class ReplicaReads final : public Checker {
 public:
  explicit ReplicaReads(bool unrestricted) : unrestricted_(unrestricted) {}

  std::string_view name() const override { return "replica_reads"; }
  std::string_view invariant() const override {
    return "4.16: a read served by any segment equals the model at the read point; a read "
           "replica never exposes part of an MTR or anything above VDL.";
  }

  std::optional<std::string> observe(const Observation& o, const Model& model) override {
    const auto* r = std::get_if<obs::ReplicaRead>(&o);
    if (r == nullptr) return std::nullopt;
    const std::string what = "replica " + r->node + " read page " + std::to_string(r->page) +
                             " at its read point " + std::to_string(r->at);
    if (!r->bytes) {
      const bool media = r->error.starts_with("corruption") || r->error.starts_with("io_error");
      if (unrestricted_ && media) return std::nullopt;
      return what + " and got error '" + r->error + "': expected the page" +
             (unrestricted_ ? " (only media faults may fail a read)" : "");
    }
    if (r->at > r->vdl) {
      return what + ", above VDL " + std::to_string(r->vdl) +
             ": expected a replica to expose nothing above VDL";
    }
    if (!model.is_consistency_point(r->at)) {
      std::string msg = what + ", which is not a consistency point";
      if (const Mtr* m = model.mtr_containing(r->at)) msg += " (inside " + describe_mtr(*m) + ")";
      return msg + ": expected a replica to expose only whole MTRs";
    }
    const Bytes& expected = model.page_at(r->page, r->at);
    if (*r->bytes == expected) return std::nullopt;
    return what + ": expected the model's replay of LSNs <= " + std::to_string(r->at) +
           " (whole MTRs only); " +
           describe_page_difference(model, r->page, r->at, expected, *r->bytes);
  }

 private:
  bool unrestricted_;
};

}  // namespace

std::unique_ptr<Checker> make_replica_reads(bool unrestricted) {
  return std::make_unique<ReplicaReads>(unrestricted);
}

}  // namespace aurora::workloads::check
