// A checker enforces one invariant of DESIGN.md section 4 over a growing history. It sees
// each observation together with the reference model as it was BEFORE that observation
// (the Suite applies the observation to the model afterwards), so a recovery can be judged
// against the MTRs it was about to forget. Checkers keep no copy of the history: what they
// need to remember is in the model, or in a few fields of their own.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "workloads/check/history.h"
#include "workloads/check/model.h"

namespace aurora::workloads::check {

class Checker {
 public:
  virtual ~Checker() = default;

  // Short name, used as Violation::invariant (e.g. "durability").
  virtual std::string_view name() const = 0;
  // One line quoting the invariant of DESIGN.md section 4 it enforces ("4.7: ...").
  virtual std::string_view invariant() const = 0;
  // Judges `o` against `model` (the state before `o`). Returns a message saying what was
  // expected and what was seen, with the node, page or LSN, when the invariant is broken.
  virtual std::optional<std::string> observe(const Observation& o, const Model& model) = 0;
  // End-of-run checks against the final model.
  virtual std::optional<std::string> finish(const Model& model) {
    (void)model;
    return std::nullopt;
  }
};

}  // namespace aurora::workloads::check
