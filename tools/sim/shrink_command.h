// `sim shrink --seed N [run flags]` or `sim shrink --from FILE`: minimizes a failing run
// (workloads/shrink.h), writes the minimized choice file, prints the command that replays
// it and the original and minimized sizes. Exit 0 when a reproduction was written, 2 on bad
// input (including a run that does not fail: nothing to shrink).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "sim/choice_file.h"
#include "workloads/run.h"

namespace aurora::tools {

struct ShrinkCommandOptions {
  workloads::RunSpec spec;
  std::optional<sim::ChoiceFile> from;  // shrink this tape's run instead of the seed's
  std::string from_path;
  std::string out;                      // "" = shrunk-<seed>.choices
  std::uint64_t max_runs = 2000;
  bool verbose = false;                 // print every step kept
};

int shrink_command(const ShrinkCommandOptions& options);

}  // namespace aurora::tools
