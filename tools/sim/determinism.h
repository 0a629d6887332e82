// --check-determinism: the same seed run twice must produce the same trace, event by event.
// In memory bounded whatever the run's length:
//  - run 1 keeps a running hash of its lines at checkpoints (sim/hash_checkpoints.h: at
//    most kCheckpoints, their interval doubling as the run grows), and its last one;
//  - run 2 computes the same running hash and compares it at each of run 1's checkpoints,
//    keeping only its lines since the last checkpoint that matched (and the context before
//    them): the first checkpoint that differs brackets the first event that does;
//  - run 3 replays run 1 and keeps its lines inside that bracket; the first line where run
//    2's and run 3's brackets differ is the divergence, with both versions and the events
//    before it. Run 3 must reach the bracket with run 1's hash: if it does not, the run is
//    not even reproducible to that point, and the report says so.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/hash_checkpoints.h"
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

// A running hash over trace lines: the same lines in the same order, the same value.
class LineHash {
 public:
  void add(std::string_view line);
  std::uint64_t value() const { return h_; }

 private:
  std::uint64_t h_ = 0;
};

// The first run: its running hash at checkpoints, and at its end.
class TraceRecorder final : public sim::TraceWriter {
 public:
  static constexpr std::size_t kCheckpoints = 1 << 16;
  void write_line(std::string_view json) override;
  const sim::HashCheckpoints& checkpoints() const { return checkpoints_; }
  std::uint64_t events() const { return events_; }
  std::uint64_t final_hash() const { return hash_.value(); }

 private:
  sim::HashCheckpoints checkpoints_{kCheckpoints};
  LineHash hash_;
  std::uint64_t events_ = 0;
};

// Where two runs may first part: the events (after, upto], with run 2's lines there and
// the `context` lines before them.
struct Bracket {
  std::uint64_t after = 0;
  std::uint64_t upto = 0;
  std::uint64_t hash_after = 0;         // run 1's running hash after event `after`
  std::vector<std::string> before;      // run 2's lines just before the bracket
  std::vector<std::string> second;      // run 2's lines in the bracket (fewer if it ended)
  bool second_went_on = false;          // run 2 has lines past run 1's end
};

// The second run, compared against the first's checkpoints as it goes.
class TraceComparer final : public sim::TraceWriter {
 public:
  TraceComparer(const TraceRecorder& first, std::size_t context);
  void write_line(std::string_view json) override;
  // After the run: the bracket holding the first difference, if the runs differ.
  std::optional<Bracket> finish();

 private:
  // Compares the running hash with run 1's at event `at` (a checkpoint or its end).
  void check(std::uint64_t at, std::uint64_t expected);

  const TraceRecorder& first_;
  std::size_t context_;
  const std::vector<sim::HashCheckpoints::Point>& points_;
  std::size_t next_point_ = 0;
  LineHash hash_;
  std::uint64_t seen_ = 0;
  std::uint64_t matched_upto_ = 0;      // the last event whose hash matched run 1's
  std::uint64_t matched_hash_ = 0;
  std::deque<std::string> before_;      // context lines before matched_upto_ + 1
  std::vector<std::string> window_;     // lines since matched_upto_
  std::optional<Bracket> found_;
};

// Runs `run` (a function that runs the seed with the given trace writer) twice, and a
// third time when they differ; nullopt when the two traces are the same.
std::optional<Divergence> find_divergence(
    const std::function<void(sim::TraceWriter&)>& run, std::size_t context = 8);

// The same for one seed of the workloads.
std::optional<Divergence> check_determinism(const workloads::RunSpec& spec, std::size_t context = 8);

}  // namespace aurora::tools
