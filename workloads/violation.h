// A violated invariant, as checkers report it: which invariant, and what was expected
// against what was seen.
#pragma once

#include <string>

#include "engine/runtime/time.h"

namespace aurora::workloads {

struct Violation {
  std::string invariant;  // short name, e.g. "durability"
  std::string message;    // expected vs actual, with the place (node, file, offset)
  Nanos at = 0;           // virtual time it was detected
  std::uint64_t event = 0;  // trace events emitted when detected
};

}  // namespace aurora::workloads
