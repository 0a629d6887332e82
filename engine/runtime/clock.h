// Clock: the engine's only source of time. now() and sleeping both go through the
// scheduler, whose TimeSource is virtual in simulation and monotonic on real hardware.
#pragma once

#include "engine/runtime/scheduler.h"
#include "engine/runtime/time.h"

namespace aurora {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Nanos now() const = 0;
  // Suspends the calling fiber (not the thread) until now() >= t.
  virtual void sleep_until(Nanos t) = 0;
  void sleep_for(Nanos d) { sleep_until(now() + d); }
};

class SchedulerClock final : public Clock {
 public:
  explicit SchedulerClock(Scheduler& sched) : sched_(sched) {}
  Nanos now() const override { return sched_.now(); }
  void sleep_until(Nanos t) override { sched_.sleep_until(t); }

 private:
  Scheduler& sched_;
};

}  // namespace aurora
