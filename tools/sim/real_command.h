// `sim real --data-dir DIR --kills N`: the workload on real files, killed with SIGKILL and
// restarted N times, every recovery checked (workloads/real/real_run.h).
#pragma once

#include "tools/sim/real_run.h"

namespace aurora::tools {

// Returns the exit code: 0 every check held, 1 a violation, 2 bad input.
int real_command(RealRunOptions options);

}  // namespace aurora::tools
