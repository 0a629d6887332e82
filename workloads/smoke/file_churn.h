// FileChurn: the smoke workload of the foundation, run by `sim` until the engine's own
// workloads arrive. It exercises the simulated disk, crashes and the checkers' plumbing.
//
// On each node, writer fibers append records to their own file, fsync it (and its
// directory, once), and read random ranges back. An independent model, kept outside the
// nodes so it survives their crashes, remembers what each file should hold and which
// prefix was acknowledged (fsync of file and directory returned OK). A driver fiber on
// the world node crashes and restarts nodes at random (the safety phase, faults on); then
// faults go off and every node must finish its share of the work (the liveness phase);
// finally every node crashes once more. After every restart, the node's boot fiber checks
// the recovered files against the model before writing again.
//
// Invariants checked:
//  - durability: an acknowledged prefix survives every crash, byte for byte;
//  - read-your-writes: a read of the live file returns exactly what was written;
//  - liveness: with faults off, the work completes within a bound.
// After a failed fsync a writer acknowledges nothing more and stops (it never retries);
// its node is restarted, and recovery brings the file back to what is durable.
// Under media faults (unrestricted) the content checks are off: these files carry no
// checksums, so the smoke workload cannot tell corruption from a bug. The engine can.
// A file that stays unreadable at recovery is reported as corrupt and started over.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sim/world.h"
#include "workloads/violation.h"

namespace aurora::workloads {

struct FileChurnOptions {
  int nodes = 2;
  int writers_per_node = 2;
  std::uint64_t ops = 2000;       // writer operations in all (append, fsync or read)
  int crashes = 3;                // crash-and-restart cycles in the safety phase
  std::uint32_t max_record = 2048;  // bytes per append, drawn in [1, max_record]
  bool check_content = true;      // false under media faults
};

class FileChurn {
 public:
  FileChurn(sim::World& world, FileChurnOptions options);
  ~FileChurn();
  // Adds the nodes and the driver fiber to the world. Call once, before world.run().
  void install();

  const std::vector<Violation>& violations() const;
  std::uint64_t ops_done() const;
  std::uint64_t crashes() const;
  std::uint64_t recoveries_checked() const;
  // Files found unreadable at recovery (latent sector errors) and started over.
  std::uint64_t corruptions_reported() const;
  std::uint64_t bytes_acknowledged() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace aurora::workloads
