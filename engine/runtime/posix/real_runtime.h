// The real runtime: the same fiber scheduler as the simulation, running on one OS thread
// against real files (PosixFileSystem), the monotonic clock (RealTimeSource) and, when one
// is attached, a real network (TcpNetwork, tcp_network.h).
//
// Only the sources differ from a simulated node: FIFO picking instead of a seeded
// strategy, a TimeSource that waits on the thread instead of jumping, POSIX files instead
// of SimFs, and a null event sink instead of the trace.
#pragma once

#include <cstdint>
#include <string>

#include "engine/runtime/clock.h"
#include "engine/runtime/event_sink.h"
#include "engine/runtime/network.h"
#include "engine/runtime/posix/posix_file_system.h"
#include "engine/runtime/runtime.h"
#include "engine/runtime/scheduler.h"
#include "engine/runtime/time.h"

namespace aurora {

// What the time source waits on instead of sleeping: the sockets of a network. The
// scheduler waits only when no fiber can run, so that wait is where I/O is handled.
class IoPoller {
 public:
  virtual ~IoPoller() = default;
  // Handles the I/O that is ready, first waiting up to `timeout` (0: not at all) for some.
  // Returns true when it made a fiber runnable, so the caller stops waiting for its timer.
  virtual bool poll(Nanos timeout) = 0;
};

// Monotonic time in nanoseconds since construction. advance_to() waits on the OS thread:
// the scheduler calls it only when no fiber can run before the earliest timer.
class RealTimeSource final : public TimeSource {
 public:
  RealTimeSource();
  Nanos now() const override;
  // Without a poller: returns once now() >= t (at once when t is already past). With one:
  // waits in poller->poll() instead of sleeping, and returns before t as soon as the poll
  // made a fiber runnable (a message came). The scheduler's loop allows that early return:
  // it fires only the timers that are due and runs the fibers that became runnable.
  void advance_to(Nanos t) override;

  // At most one poller; null removes it. The poller must outlive its installation.
  void set_poller(IoPoller* poller) { poller_ = poller; }
  IoPoller* poller() const { return poller_; }
  // The monotonic clock's reading at construction, in ns.
  Nanos origin() const { return origin_; }

 private:
  Nanos origin_;  // the monotonic clock's reading at construction, in ns
  IoPoller* poller_ = nullptr;
};

class RealRuntime {
 public:
  // `root`: the directory every engine path is relative to (see PosixFileSystem).
  // `node`: the node id fibers spawned through runtime() belong to.
  explicit RealRuntime(std::string root, NodeId node = 0, SchedulerOptions options = {});
  RealRuntime(const RealRuntime&) = delete;
  RealRuntime& operator=(const RealRuntime&) = delete;

  // The seam handed to engine code. Valid as long as this object lives. Its `net` is the
  // attached network (null when none), its `incarnation` this object's (see below).
  Runtime runtime() {
    return Runtime{fs_, clock_, sched_, events_, node_, nullptr, net_, incarnation_};
  }

  // Makes runtime().net point at `net` (null: no network). The caller owns the network and
  // detaches it before destroying it; TcpNetwork::open() attaches and detaches itself.
  void attach_network(Network* net) { net_ = net; }
  Network* network() const { return net_; }

  // Runs fibers until they finish (or deadlock / hit a limit); see Scheduler::run().
  RunOutcome run(RunLimits limits = {}) { return sched_.run(limits); }

  NodeId node() const { return node_; }
  // Which life of the node this is: the monotonic clock in ns when this object was made.
  // A process that restarts makes a new RealRuntime, so its next life has a larger number,
  // as Runtime::incarnation asks. The monotonic clock starts again at a reboot: a node
  // whose peers outlive a reboot of its machine must not rely on this ordering.
  std::uint64_t incarnation() const { return incarnation_; }

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
  std::uint64_t incarnation_;
  Network* net_ = nullptr;
};

}  // namespace aurora
