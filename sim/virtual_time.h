// Virtual time: starts at zero and moves only when the scheduler finds nothing runnable
// and jumps to the next timer. A run's sim_time_ns is this clock at the end.
#pragma once

#include "engine/runtime/assert.h"
#include "engine/runtime/time.h"

namespace aurora::sim {

class VirtualTimeSource final : public TimeSource {
 public:
  Nanos now() const override { return now_; }
  void advance_to(Nanos t) override {
    AURORA_ASSERT(t >= now_, "virtual time cannot go backwards");
    now_ = t;
  }

 private:
  Nanos now_ = 0;
};

}  // namespace aurora::sim
