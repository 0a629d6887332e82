// A scheduler on virtual time with FIFO picks: the smallest world a runtime test needs.
#pragma once

#include "engine/runtime/scheduler.h"
#include "sim/virtual_time.h"

namespace aurora::testing {

struct FiberHarness {
  sim::VirtualTimeSource time;
  FifoStrategy fifo;
  Scheduler sched{time, fifo};
};

}  // namespace aurora::testing
