// `sim real --processes`: the MTR workload with the storage and each compute node in a
// process of its own, talking TCP on 127.0.0.1 (engine/runtime/posix/tcp_network.h,
// the compute-storage link of engine/compute/WIRE_FORMAT.md). The parent kills a process
// with SIGKILL at random moments (two kills in three the storage, whose compute nodes
// live on and see their calls time out; one in three a compute node) and starts it again,
// checking every recovery, every commit's outcome and every read with the same reference
// model and checkers as the simulation.
//
// Every process writes its observations to one pipe the parent reads (workloads/real/
// wire.h), each line with one atomic write: lines from different processes are in the
// order they were written, so the storage's report of an MTR is always read before the
// answer a compute node got for it. The storage reports each MTR as it received it (the
// frames' checksums hold that to what the compute node sent).
//
// Reads a storage may refuse: a storage that restarted holds no read point until the
// compute node's pin reaches it, and may collect under it first, so a compute node that
// outlived a storage restart may have its reads at its read point refused (never answered
// wrong): RealChecker::sessions_outlive_restarts.
#pragma once

#include <ostream>

#include "tools/sim/real_run.h"

namespace aurora::tools {

// Runs it; `progress` gets a line per kill. The caller must be single-threaded (it forks).
RealRunReport run_real_cluster(const RealRunOptions& options, std::ostream& progress);

}  // namespace aurora::tools
