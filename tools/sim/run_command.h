// `sim --seed N ...`: one run, printed the way DESIGN.md section 7 says (seed first, then
// the configuration, then a final result line; on failure the violations and the exact
// command that reproduces the run).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "sim/choice_file.h"

#include "workloads/run.h"

namespace aurora::tools {

struct RunOptions {
  workloads::RunSpec spec;
  std::string trace_json;    // write every event here as JSON Lines ("" = don't)
  std::string summary_json;  // append one JSON object per run here ("" = don't)
  bool check_determinism = false;
  bool color = false;
  std::string record_choices;  // write the run's choice tape here ("" = don't)
  // Run from this tape instead of the seed (spec.seed is the tape's); `replay_path` names it.
  std::optional<sim::ChoiceFile> replay;
  std::string replay_path;
};

// The run flags of `spec` that differ from the defaults (--spec, --workload, --ops, ...),
// without --seed: what a seed file, a choice file and a replay command carry.
std::vector<std::string> run_args(const workloads::RunSpec& spec);
// The flags after `sim` that reproduce `spec`: --seed N, then run_args(spec).
std::vector<std::string> reproduce_args(const workloads::RunSpec& spec);
// The exact command line that reproduces `spec`: "sim " and reproduce_args joined.
std::string reproduce_command(const workloads::RunSpec& spec);

// The exact command line that replays the tape at `path` with `spec`'s flags.
std::string replay_command(const std::string& path, const workloads::RunSpec& spec);

// Runs and prints; returns the process exit code (0 pass, 1 violation, 2 bad input).
int run_command(const RunOptions& options);

}  // namespace aurora::tools
