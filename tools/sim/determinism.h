// --check-determinism: the same seed run twice must produce the same trace, event by event.
// The first run keeps one hash per event (8 bytes each, not the event's text); the second
// compares as it goes and keeps the events just before the first that differs. The first
// run's version of that event is then taken from a third run, whose hashes must match the
// first run's up to it (if they do not, the run is not even reproducible to that point,
// and the report says so).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/trace.h"
#include "workloads/run.h"

namespace aurora::tools {

struct Divergence {
  std::uint64_t event = 0;          // the first event that differs, numbered from 1
  std::vector<std::string> before;  // the events before it (the same in both runs)
  std::string first;                // that event in run 1 ("" = run 1 had ended)
  std::string second;               // that event in run 2 ("" = run 2 had ended)
  bool first_confirmed = true;      // a third run reproduced run 1 up to `event`
  std::string describe() const;     // multi-line, for the terminal
  std::string summary() const;      // one line, for JSON
};

// The first run: one hash per event.
class TraceRecorder final : public sim::TraceWriter {
 public:
  void write_line(std::string_view json) override;
  const std::vector<std::uint64_t>& hashes() const { return hashes_; }

 private:
  std::vector<std::uint64_t> hashes_;
};

// The second run, compared against the first's hashes as it goes.
class TraceComparer final : public sim::TraceWriter {
 public:
  TraceComparer(const std::vector<std::uint64_t>& expected, std::size_t context)
      : expected_(expected), context_(context) {}
  void write_line(std::string_view json) override;
  // After the run: the divergence, if any (run 1's event still to be filled in).
  std::optional<Divergence> finish() const;

 private:
  const std::vector<std::uint64_t>& expected_;
  std::size_t context_;
  std::uint64_t seen_ = 0;
  std::deque<std::string> recent_;
  std::optional<Divergence> found_;
};

// Runs `run` (a function that runs the seed with the given trace writer) twice, and a
// third time when they differ; nullopt when the two traces are the same.
std::optional<Divergence> find_divergence(
    const std::function<void(sim::TraceWriter&)>& run, std::size_t context = 8);

// The same for one seed of the workloads.
std::optional<Divergence> check_determinism(const workloads::RunSpec& spec, std::size_t context = 8);

}  // namespace aurora::tools
