#include "engine/runtime/posix/real_runtime.h"

#include <algorithm>
#include <chrono>
#include <thread>
#include <utility>

namespace aurora {
namespace {

Nanos monotonic_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

RealTimeSource::RealTimeSource() : origin_(monotonic_ns()) {}

Nanos RealTimeSource::now() const { return monotonic_ns() - origin_; }

void RealTimeSource::advance_to(Nanos t) {
  // sleep_for may return early on some platforms (and a signal can cut it short), so loop
  // until the clock has really reached t: fibers woken by the timer rely on now() >= t.
  // A poll that made a fiber runnable ends the wait early instead: the scheduler's loop
  // goes round, fires no timer that is not due, and runs that fiber.
  for (Nanos current = now(); current < t; current = now()) {
    if (poller_ == nullptr) {
      std::this_thread::sleep_for(std::chrono::nanoseconds(t - current));
    } else if (poller_->poll(t - current)) {
      return;
    }
  }
}

RealRuntime::RealRuntime(std::string root, NodeId node, SchedulerOptions options)
    : fs_(std::move(root)),
      sched_(time_, strategy_, options),
      clock_(sched_),
      node_(node),
      incarnation_(static_cast<std::uint64_t>(std::max<Nanos>(time_.origin(), 1))) {}

}  // namespace aurora
