// `sim shrink --seed N [run flags]` or `sim shrink --from FILE`: minimizes a failing run
// (workloads/shrink.h), writes the minimized choice file, prints the command that replays
// it and the original and minimized sizes. Exit 0 when a reproduction was written, 2 on bad
// input (including a run that does not fail: nothing to shrink). It stops on --budget of
// wall time (5 minutes by default) or --max-runs, with the best run found so far, and
// prints a progress line about every 10 s while it works.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sim/choice_file.h"
#include "workloads/run.h"

namespace aurora::tools {

struct ShrinkCommandOptions {
  workloads::RunSpec spec;
  std::optional<sim::ChoiceFile> from;  // shrink this tape's run instead of the seed's
  std::string from_path;
  std::string out;                      // "" = shrunk-<seed>.choices
  std::uint64_t max_runs = 100'000;    // --budget is the usual limit
  double budget_s = 300;                // wall time, then the best run so far
  std::string budget_text = "5m";       // as given, for messages
  bool verbose = false;                 // print every step kept
};

int shrink_command(const ShrinkCommandOptions& options);

// A duration as --budget takes it, in seconds: a positive number with a unit, s, m or h
// ("90s", "5m", "1.5h"). Nullopt when it is not one.
std::optional<double> parse_budget(std::string_view text);

}  // namespace aurora::tools
