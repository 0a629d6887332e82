// The shrinker: from a failing run (a seed, or a choice tape), a much smaller run that
// still violates the same invariant, kept as a choice tape plus the flags that run it.
//
// A candidate is the run's flags and its tape (sim/choice_tape.h). The shrinker proposes
// simpler candidates and keeps one when its run's first violation is the same invariant and
// the run is smaller: fewer operations, then fewer crashes, then fewer faults fired, then
// a smaller log segment (--segment-bytes), then fewer choices, then smaller ones, then a
// smaller shape (--ops, --crashes, --nodes, --pages, --liveness-ops, fewer fault kinds on)
// (that order is well founded, so shrinking ends). The
// proposals, in rounds until one round keeps nothing (streams shortest first: the driver's
// and the fault decisions are short, and often hold the decision that matters):
//   1. fewer crashes (the --crashes flag: 0, 1, then halving) and fewer compute nodes;
//   2. no faults: the "none" regime, then no fault decision firing, then every decision
//      that fired made 0, one at a time (each kind's decisions are a stream of their own,
//      "faults/<kind>", so taking operations away moves no decision onto another kind);
//   3. the run's shape: each fault kind that fired in the best run turned off
//      (--fault-off KIND), one at a time; fewer pages (--pages 1, 2, then halving; mtr),
//      fewer operations in the liveness phase (--liveness-ops, the same; mtr: a failure
//      found at the end of the run counts them), smaller log segments (--segment-bytes
//      41, 42, then halving; mtr: a failure that needs a sealed segment then needs fewer
//      operations);
//   4. the workload cut short: the smallest --ops that still fails (bisection);
//   5. operations removed as whole units: a workload marks where each operation (and each
//      crash decision) starts in its stream (sim::Rng::mark_unit), every trial's tape
//      records those starts, and units are deleted delta-debugging style, halves of the
//      stream's units first, then quarters, ..., single units last, from the stream's end;
//   6. each stream made all neutral at once;
//   7. runs of values deleted, the same schedule over a stream's values (the streams
//      without units, such as the scheduler's, and parts of units);
//   8. lower values: a stream halved as a whole, then (in streams of at most 256) each value
//      set to 0, else bisected down.
// A smaller flag (1, 3, 4) leaves fewer opportunities before a fault decision that
// matters, so that decision answers a later one; such a candidate is also tried with the
// leading zeros of each short stream cut, moving its first decision that fired earlier.
// Every candidate's run is answered from its tape, neutral (0) past its end; what the run
// actually drew becomes the new tape, its trailing zeros cut (and its unit starts, learned
// again from each kept run). A candidate may run at most four times the original's events
// in scheduling steps (at least a million): a candidate that livelocks is a different
// failure, found quickly.
//
// Limits: at most `max_runs` candidate runs, and `out_of_time` (sim shrink: a wall-clock
// budget, 5 minutes by default) asked before each run. Either returns the best run found so
// far, and ShrinkResult::stopped_by says which. Wall time only decides whether another
// run is made, never which candidate is kept: the same number of runs gives the same
// result on any machine.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/runtime/status.h"
#include "sim/choice_tape.h"
#include "workloads/run.h"

namespace aurora::workloads {

// How big a run is, as the shrinker reports it.
struct RunSize {
  std::uint64_t ops = 0;
  std::uint64_t crashes = 0;
  std::uint64_t faults = 0;
  std::uint64_t events = 0;
  std::uint64_t choices = 0;
};

// One run of a candidate, as the shrinker sees it.
struct Trial {
  std::optional<Violation> first;  // the first violation; none when the run passed
  RunSize size;                    // `choices` left 0: the shrinker counts `used`
  bool sized = true;               // false: the run died before it could count (all 0)
  sim::Choices used;               // what the run's draws returned, and its unit starts
  std::array<std::uint64_t, sim::kFaultKindCount> fired{};  // faults fired, by kind
};

// Runs `spec` from `replay` (from the seed, recording, when null). The default runs in
// this process; `sim shrink` runs each trial in a child process, so that a run which
// fails an assertion or crashes is a failure like any other (tools/sim/isolated_trial.h).
using TrialRunner = std::function<Trial(const RunSpec& spec, const sim::Choices* replay)>;
Trial run_trial(const RunSpec& spec, const sim::Choices* replay);
// The same on a tape the caller holds (of spec.seed).
Trial run_trial_on(const RunSpec& spec, sim::ChoiceTape& tape);
// A trial's tape: replaying `replay`, or recording from the seed when it is null.
std::unique_ptr<sim::ChoiceTape> trial_tape(const RunSpec& spec, const sim::Choices* replay);

// Where the shrinker is, after each candidate run.
struct ShrinkProgress {
  std::uint64_t runs = 0;  // candidate runs made
  RunSize best;            // the smallest failing run so far
  bool sized = true;       // false: `best` could not be counted (a failed assertion)
};

struct ShrinkOptions {
  std::uint64_t max_runs = 2000;  // candidate runs at most
  TrialRunner runner = run_trial;
  // Called with a line for every candidate kept ("--crashes 1: ops 40 -> 12, ...").
  std::function<void(const std::string&)> on_step;
  // Asked before every candidate run: true stops the shrinker with the best run so far
  // (and it is not asked again). Null: no limit but max_runs. `sim shrink` passes its
  // --budget of wall time; tests pass a fake clock (a count of calls, say).
  std::function<bool()> out_of_time;
  // Called after every candidate run (`sim shrink` prints a line every ~10 s from it).
  std::function<void(const ShrinkProgress&)> on_progress;
};

// What stopped the shrinker.
enum class ShrinkStop : std::uint8_t {
  kFixedPoint,  // a round of every proposal kept nothing
  kMaxRuns,     // ShrinkOptions::max_runs
  kBudget,      // ShrinkOptions::out_of_time
};
std::string_view shrink_stop_name(ShrinkStop s);  // "fixed point", "max runs", "budget"

struct ShrinkResult {
  std::string invariant;  // the violated invariant kept throughout
  Violation original_violation;
  Violation minimized_violation;
  RunSize original;
  RunSize minimized;
  RunSpec spec;           // the minimized run's flags (seed unchanged)
  sim::Choices choices;   // and its tape
  bool sized = true;          // false: the failure kills the run before it counts (an assertion)
  std::uint64_t runs = 0;     // candidate runs made
  ShrinkStop stopped_by = ShrinkStop::kFixedPoint;
  bool exhausted = false;     // stopped by a limit (max_runs or the budget), not at a fixed point
};

// Shrinks `spec`'s run, drawn from the seed, or from `from` when given. kInvalidArgument
// when that run does not fail: there is nothing to shrink.
Result<ShrinkResult> shrink(const RunSpec& spec, const std::optional<sim::Choices>& from,
                            const ShrinkOptions& options = {});

}  // namespace aurora::workloads
