#include "workloads/check/suite.h"

#include <utility>

#include "workloads/check/checkers.h"

namespace aurora::workloads::check {

std::vector<std::unique_ptr<Checker>> make_all_checkers(bool unrestricted) {
  std::vector<std::unique_ptr<Checker>> all;
  all.push_back(make_lsn_unique());
  all.push_back(make_allocation_limit());
  all.push_back(make_ordering());
  all.push_back(make_monotonic(unrestricted));
  all.push_back(make_truncation_final());
  all.push_back(make_mtr_atomicity());
  all.push_back(make_durability(unrestricted));
  all.push_back(make_read_correctness(unrestricted));
  all.push_back(make_cache_invisible());
  all.push_back(make_torn_tail_vs_corruption(unrestricted));
  all.push_back(make_fsync_stop());
  all.push_back(make_quorum_write());
  all.push_back(make_quorum_recovery());
  all.push_back(make_epoch_fencing());
  all.push_back(make_quorum_watermarks());
  all.push_back(make_replica_reads(unrestricted));
  all.push_back(make_read_your_writes());
  all.push_back(make_monotonic_reads(unrestricted));
  all.push_back(make_commit_once());
  return all;
}

Suite::Suite(bool unrestricted, std::uint32_t page_size)
    : model_(page_size), checkers_(make_all_checkers(unrestricted)) {}

std::vector<Violation> Suite::observe(const Observation& o) {
  std::vector<Violation> found;
  for (const auto& c : checkers_) {
    if (std::optional<std::string> msg = c->observe(o, model_)) {
      found.push_back({std::string(c->name()), std::move(*msg)});
    }
  }
  model_.apply(o);
  violations_.insert(violations_.end(), found.begin(), found.end());
  return found;
}

std::vector<Violation> Suite::finish() {
  std::vector<Violation> found;
  for (const auto& c : checkers_) {
    if (std::optional<std::string> msg = c->finish(model_)) {
      found.push_back({std::string(c->name()), std::move(*msg)});
    }
  }
  violations_.insert(violations_.end(), found.begin(), found.end());
  return found;
}

std::vector<std::string> Suite::checker_names() const {
  std::vector<std::string> names;
  for (const auto& c : checkers_) names.emplace_back(c->name());
  return names;
}

}  // namespace aurora::workloads::check
