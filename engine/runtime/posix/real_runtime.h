// The real runtime: the same fiber scheduler as the simulation, running on one OS thread
// against real files (PosixFileSystem) and the monotonic clock (RealTimeSource).
//
// Only the sources differ from a simulated node: FIFO picking instead of a seeded
// strategy, a TimeSource that sleeps the thread instead of jumping, POSIX files instead
// of SimFs, and a null event sink instead of the trace.
#pragma once

#include <string>

#include "engine/runtime/clock.h"
#include "engine/runtime/event_sink.h"
#include "engine/runtime/posix/posix_file_system.h"
#include "engine/runtime/runtime.h"
#include "engine/runtime/scheduler.h"
#include "engine/runtime/time.h"

namespace aurora {

// Monotonic time in nanoseconds since construction. advance_to() sleeps the OS thread:
// the scheduler calls it only when no fiber can run before the earliest timer.
class RealTimeSource final : public TimeSource {
 public:
  RealTimeSource();
  Nanos now() const override;
  // Returns once now() >= t (at once when t is already past).
  void advance_to(Nanos t) override;

 private:
  Nanos origin_;  // the monotonic clock's reading at construction, in ns
};

class RealRuntime {
 public:
  // `root`: the directory every engine path is relative to (see PosixFileSystem).
  // `node`: the node id fibers spawned through runtime() belong to.
  explicit RealRuntime(std::string root, NodeId node = 0, SchedulerOptions options = {});
  RealRuntime(const RealRuntime&) = delete;
  RealRuntime& operator=(const RealRuntime&) = delete;

  // The seam handed to engine code. Valid as long as this object lives.
  Runtime runtime() { return Runtime{fs_, clock_, sched_, events_, node_}; }

  // Runs fibers until they finish (or deadlock / hit a limit); see Scheduler::run().
  RunOutcome run(RunLimits limits = {}) { return sched_.run(limits); }

  PosixFileSystem& fs() { return fs_; }
  Scheduler& scheduler() { return sched_; }
  Clock& clock() { return clock_; }
  RealTimeSource& time() { return time_; }

 private:
  // Declaration order is destruction order reversed: the scheduler (whose destructor
  // unwinds fibers that may still close files) goes before the file system and the
  // time source and strategy it uses.
  PosixFileSystem fs_;
  RealTimeSource time_;
  FifoStrategy strategy_;
  Scheduler sched_;
  SchedulerClock clock_;
  NullEventSink events_;
  NodeId node_;
};

}  // namespace aurora
