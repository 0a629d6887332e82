// `sim real`: the MTR workload on real files, in a child process that the parent kills
// with SIGKILL at random moments and starts again, checking every recovery and every
// read with the same reference model and checkers as the simulation.
//
// A process kill loses nothing the OS had accepted (no power is lost), so durability must
// hold in full: every acknowledged MTR survives every kill. Each incarnation tells the
// parent what it did through a pipe (wire.h) at the moment it does it: an MTR's LSNs
// before any byte of it can reach the disk, an acknowledgement after it returned.
//
// The figure it reports, crash-and-recover cycles per second, is the one to set against
// the simulation's: there a crash and a recovery cost no process, no real I/O, no waiting.
//
// It lives in tools/, outside the determinism lint's trees: it forks, waits on pipes and
// reads the steady clock, on purpose. What it shares with the simulated workload lives in
// workloads/ (mtr/mtr_parts.h, real/wire.h).
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "engine/runtime/time.h"
#include "workloads/spec/spec.h"
#include "workloads/violation.h"

namespace aurora::tools {

struct RealRunOptions {
  std::string data_dir;    // must be empty or absent: the model starts from a new volume
  std::uint32_t kills = 10;
  std::uint64_t seed = 1;  // the workload's choices and the kill delays
  workloads::Spec spec;               // the workload and storage settings ([faults] does not apply)
  Nanos min_before_kill = 1 * kMillisecond;  // a kill comes this long after recovery...
  Nanos max_before_kill = 30 * kMillisecond;  // ...at most this long
  // Storage and compute nodes as separate processes talking TCP on 127.0.0.1
  // (real_cluster.h), instead of one process holding them all.
  bool processes = false;
};

struct RealRunReport {
  std::uint32_t kills = 0;
  std::uint32_t recoveries = 0;
  std::uint64_t appended = 0;
  std::uint64_t acknowledged = 0;
  std::uint64_t reads_checked = 0;
  std::uint64_t unknown = 0;  // commits whose outcome their compute node never learned
  std::uint32_t compute_kills = 0;  // of compute processes (with --processes)
  std::vector<workloads::Violation> violations;  // checkers, and incarnations that died on their own
  double wall_s = 0;
  double cycles_per_s() const { return wall_s > 0 ? kills / wall_s : 0; }
};

// Runs it; `progress` gets a line per cycle. The caller must be single-threaded (it forks).
RealRunReport run_real(const RealRunOptions& options, std::ostream& progress);

}  // namespace aurora::tools
