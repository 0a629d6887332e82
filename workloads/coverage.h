// Coverage marks: named "sometimes" points that a run may or may not reach (a torn tail
// truncated, an fsync error survived, a read below the GC horizon refused...). A run
// reports which it reached; a sweep reports those never reached, which is how we learn
// that a fault or a code path is not being exercised at all.
//
// Most marks are recognized from trace events the engine and the simulated disk emit
// anyway (see kEventMarks in coverage.cc); the workload hits the others itself.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/runtime/event_sink.h"

namespace aurora::workloads {

struct CoverageMark {
  std::string_view name;
  std::string_view meaning;
};

// Every mark a run can reach, in report order.
std::span<const CoverageMark> coverage_marks();

class Coverage {
 public:
  // Hits the mark named `name` (which must be one of coverage_marks()).
  void hit(std::string_view name);
  // Hits the marks that the event stands for, if any.
  void on_event(std::string_view kind, std::span<const Field> fields);

  std::uint64_t count(std::string_view name) const;
  std::vector<std::string> reached() const;
  std::vector<std::string> missed() const;

 private:
  std::map<std::string, std::uint64_t, std::less<>> hits_;
};

}  // namespace aurora::workloads
