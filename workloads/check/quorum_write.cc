// Invariant 12: an acknowledged MTR's records are on the disks of at least 4 of the 6
// segments of their PGs when the acknowledgement is given. Judged from the segments' durable
// state as the world reports it (QuorumAcked: holders counted on their disks), never from
// what the writer believed: a writer that counts an acknowledgement twice, takes 3 of 6 for
// a write quorum, or computes VCL for one PG instead of across them, acknowledges records
// some segments do not hold, and this sees it at that moment.
#include "engine/quorum/watermarks.h"
#include "workloads/check/checkers.h"

namespace aurora::workloads::check {
namespace {

class QuorumWrite final : public Checker {
 public:
  std::string_view name() const override { return "quorum_write"; }
  std::string_view invariant() const override {
    return "4.12: an acknowledged MTR's records are on the disks of 4 of the 6 segments of "
           "their PGs when the acknowledgement is given.";
  }

  std::optional<std::string> observe(const Observation& o, const Model&) override {
    const auto* a = std::get_if<obs::QuorumAcked>(&o);
    if (a == nullptr) return std::nullopt;
    for (const obs::QuorumAcked::Record& r : a->records) {
      if (r.holders >= static_cast<std::uint32_t>(quorum::kWriteQuorum)) continue;
      return "the MTR ending at CPL " + std::to_string(a->cpl) + " was acknowledged while its " +
             "record " + std::to_string(r.lsn) + " was on the disks of " +
             std::to_string(r.holders) + " segments of PG " + std::to_string(r.pg) +
             "; expected at least " + std::to_string(quorum::kWriteQuorum) + " of " +
             std::to_string(quorum::kReplicas);
    }
    return std::nullopt;
  }
};

}  // namespace

std::unique_ptr<Checker> make_quorum_write() { return std::make_unique<QuorumWrite>(); }

}  // namespace aurora::workloads::check
