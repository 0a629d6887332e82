// The checkers of DESIGN.md section 4, run over a history as it grows. Each observation
// goes first to every checker, which judges it against the reference model as it was
// BEFORE the observation (so a Recovered is judged against the MTRs it is about to make
// the model forget: a lost acknowledged MTR is still there to be named), and only then
// updates the model. finish() runs the end-of-run checks against the final model.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "workloads/check/checker.h"
#include "workloads/check/model.h"
#include "workloads/violation.h"

namespace aurora::workloads::check {

class Suite {
 public:
  // Every checker of DESIGN.md section 4, for the regime: in the unrestricted regime
  // (media faults) acknowledged data may be lost, but only with a corruption report
  // (invariant 10), and reads may fail loudly, but never return wrong data. `page_size`:
  // bytes of a page (the model's pages start as that many zeros).
  Suite(bool unrestricted, std::uint32_t page_size);

  // Runs every checker on `o` against the model before `o`, then applies `o` to the
  // model. Returns the violations this observation revealed (also kept in violations()),
  // with `invariant` set to the checker's name; `at` and `event` are left 0 for the
  // workload to fill.
  std::vector<Violation> observe(const Observation& o);
  std::vector<Violation> finish();

  const Model& model() const { return model_; }
  const std::vector<Violation>& violations() const { return violations_; }
  std::vector<std::string> checker_names() const;

 private:
  Model model_;
  std::vector<std::unique_ptr<Checker>> checkers_;
  std::vector<Violation> violations_;
};

}  // namespace aurora::workloads::check
