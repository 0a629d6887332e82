// Scheduler: cooperative fibers on Boost.Context, one OS thread, the one runtime core
// shared by the simulation and the real engine.
//
// A fiber runs until it yields, sleeps or blocks; the scheduler's loop (the caller of
// run()) then asks a PickStrategy which runnable fiber goes next. Deterministic
// strategies make the whole interleaving a function of the seed; the real runtime uses
// FIFO. When nothing can run, time advances to the earliest timer through the
// TimeSource (a jump in virtual time, a sleep on real hardware).
//
// Fibers belong to a node (a group that crashes together): kill_node() destroys every
// fiber of a node. A destroyed fiber's stack is unwound with Boost's forced_unwind
// exception, so RAII in the fiber runs (locks are released, waiters unlinked). Code
// running in fibers must never swallow that exception with catch (...).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <boost/context/fiber.hpp>
#include <boost/context/pooled_fixedsize_stack.hpp>

#include "engine/runtime/time.h"

namespace aurora {

using FiberId = std::uint64_t;  // 0 is "no fiber" (the scheduler's own context)
using NodeId = std::uint32_t;

// What a strategy sees of a fiber. `strategy_key` is free for the strategy to use (PCT
// keeps the fiber's priority there), so picking needs no lookups.
struct FiberSlot {
  FiberId id = 0;
  NodeId node = 0;
  std::uint64_t strategy_key = 0;
};

class PickStrategy {
 public:
  virtual ~PickStrategy() = default;
  virtual void on_spawn(FiberSlot& /*fiber*/) {}
  virtual void on_exit(FiberId /*id*/) {}
  // Returns an index into `runnable` (never empty). `runnable` is in the order fibers
  // became runnable.
  virtual std::size_t pick(std::span<FiberSlot* const> runnable) = 0;
};

// Always the fiber that became runnable first: fair, and what the real runtime uses.
class FifoStrategy final : public PickStrategy {
 public:
  std::size_t pick(std::span<FiberSlot* const>) override { return 0; }
};

// Told about every scheduling event; the simulation turns these into trace events.
class SchedulerObserver {
 public:
  virtual ~SchedulerObserver() = default;
  virtual void on_spawn(FiberId /*id*/, NodeId /*node*/, const std::string& /*name*/) {}
  virtual void on_pick(FiberId /*id*/, std::size_t /*runnable_count*/) {}
  virtual void on_block(FiberId /*id*/, const char* /*reason*/) {}
  virtual void on_exit(FiberId /*id*/, bool /*killed*/) {}
  virtual void on_time_advance(Nanos /*from*/, Nanos /*to*/) {}
};

struct SchedulerOptions {
  std::size_t stack_size = 128 * 1024;  // bytes per fiber stack (pooled)
};

struct BlockedFiber {
  FiberId id;
  NodeId node;
  std::string name;
  std::string waiting_on;  // the reason given to block() or "sleep"
};

struct RunLimits {
  Nanos until = INT64_MAX;             // stop once virtual/real time would pass this
  std::uint64_t max_steps = UINT64_MAX;  // stop after this many fiber resumptions
};

struct RunOutcome {
  enum class Kind { kCompleted, kDeadlock, kTimeLimit, kStepLimit };
  Kind kind = Kind::kCompleted;
  std::vector<BlockedFiber> blocked;  // for kDeadlock and the limits: who was waiting
  std::string describe() const;       // one line per blocked fiber, for reports
};

class Scheduler {
 public:
  Scheduler(TimeSource& time, PickStrategy& strategy, SchedulerOptions options = {});
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  void set_observer(SchedulerObserver* observer) { observer_ = observer; }

  // Creates a runnable fiber on `node`. A daemon fiber (a background worker that waits
  // for work forever) does not keep run() going. Callable from fibers and from outside.
  FiberId spawn(NodeId node, std::string name, std::function<void()> body, bool daemon = false);
  // Spawns a fiber that runs before any other runnable fiber, whatever the strategy (a
  // simulated crash at a crash point: no other fiber may run between the point and the
  // crash). At most one such fiber is pending at a time.
  FiberId spawn_next(NodeId node, std::string name, std::function<void()> body);
  // Spawns on the calling fiber's node.
  FiberId spawn_here(std::string name, std::function<void()> body, bool daemon = false);

  // Runs fibers until every non-daemon fiber has finished, nothing can make progress
  // (deadlock: fibers wait, nothing runnable, no timer), or a limit is reached.
  RunOutcome run(RunLimits limits = {});

  // --- Called from inside a fiber ---
  void yield();
  void sleep_until(Nanos t);
  void sleep_for(Nanos d) { sleep_until(now() + d); }
  // Parks the calling fiber until wake(id) or, with a deadline, until time reaches it.
  // Returns true when woken, false on timeout. `reason` (a literal) names what it waits on.
  bool block(const char* reason, Nanos deadline = kNoDeadline);
  // Makes a blocked fiber runnable. Waking a fiber that is not blocked, or no longer
  // exists, does nothing (so stale wake-ups after a kill are harmless).
  void wake(FiberId id);

  // --- Anywhere ---
  Nanos now() const { return time_.now(); }
  FiberId current() const;
  NodeId current_node() const;
  const std::string& fiber_name(FiberId id) const;
  bool alive(FiberId id) const { return fibers_.count(id) != 0; }
  bool in_fiber() const { return current_ != nullptr; }
  std::size_t fiber_count() const { return fibers_.size(); }
  std::uint64_t steps() const { return steps_; }

  // Destroys every fiber of `node`, unwinding their stacks. Must not be called by a
  // fiber of that node (a node cannot tear down the stack it is running on).
  void kill_node(NodeId node);
  // Destroys one fiber (not the calling one). Killing a fiber that is gone does nothing.
  void kill(FiberId id);

  static constexpr Nanos kNoDeadline = INT64_MAX;

 private:
  struct Fiber;
  enum class State : std::uint8_t { kRunnable, kRunning, kBlocked, kSleeping, kDone };

  void switch_to(Fiber& f);
  void suspend_current(State state);
  void make_runnable(Fiber& f);
  void fire_due_timers();
  void cancel_timer(Fiber& f);
  void destroy(Fiber& f);
  std::vector<BlockedFiber> waiting_fibers() const;

  TimeSource& time_;
  PickStrategy& strategy_;
  SchedulerObserver* observer_ = nullptr;
  boost::context::pooled_fixedsize_stack stacks_;

  std::map<FiberId, std::unique_ptr<Fiber>> fibers_;  // ordered: kills go in id order
  std::vector<FiberSlot*> runnable_;                   // in the order they became runnable
  std::map<std::pair<Nanos, FiberId>, Fiber*> timers_;  // (deadline, id): ties by id
  Fiber* current_ = nullptr;
  FiberId next_ = 0;  // spawn_next()'s fiber, picked before the strategy is asked
  FiberId next_id_ = 1;
  std::size_t live_non_daemon_ = 0;
  std::uint64_t steps_ = 0;
};

}  // namespace aurora
