// `sim seeds add --seed N [run flags] [--found TEXT] [--fixed-by COMMIT]`: adds a seed to
// the regression corpus (seeds/, format in seeds/README.md) that ctest replays forever.
#pragma once

#include <string>

#include "workloads/run.h"

namespace aurora::tools {

struct SeedsAddOptions {
  workloads::RunSpec spec;
  std::string found;     // what the seed found ("" = the run's first violation)
  std::string fixed_by;  // the commit that fixed it ("" = not fixed yet)
  std::string name;      // the file name's slug ("" = the spec and the invariant)
  std::string dir;       // the corpus directory ("" = seeds/ of the source tree)
};

// Runs the seed; writes <dir>/<seed>-<slug>.json. A seed that passes needs --found and
// --fixed-by (it was fixed before it was added); an existing file is never overwritten.
// Returns the exit code: 0 added, 2 bad input.
int seeds_add_command(const SeedsAddOptions& options);

}  // namespace aurora::tools
