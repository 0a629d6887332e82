#include "engine/runtime/scheduler.h"

#include <algorithm>
#include <exception>

#include "engine/runtime/assert.h"

namespace aurora {

namespace ctx = boost::context;

struct Scheduler::Fiber : FiberSlot {
  std::string name;
  std::function<void()> body;
  ctx::fiber context;  // this fiber's suspended context while it is not running
  ctx::fiber caller;   // the scheduler loop's context while this fiber runs
  State state = State::kRunnable;
  bool daemon = false;
  bool dying = false;        // being unwound by kill_node()
  bool timer_armed = false;
  bool woken = false;        // result of the current block()
  const char* waiting_on = "";
  Nanos deadline = kNoDeadline;
};

std::string RunOutcome::describe() const {
  std::string out;
  switch (kind) {
    case Kind::kCompleted: out = "completed"; break;
    case Kind::kDeadlock: out = "deadlock: nothing runnable, no timer pending"; break;
    case Kind::kTimeLimit: out = "time limit reached"; break;
    case Kind::kStepLimit: out = "step limit reached"; break;
  }
  for (const BlockedFiber& b : blocked) {
    out += "\n  fiber " + std::to_string(b.id) + " '" + b.name + "' on node " +
           std::to_string(b.node) + " waits on " + b.waiting_on;
  }
  return out;
}

Scheduler::Scheduler(TimeSource& time, PickStrategy& strategy, SchedulerOptions options)
    : time_(time), strategy_(strategy), stacks_(options.stack_size) {}

Scheduler::~Scheduler() {
  AURORA_ASSERT(current_ == nullptr, "scheduler destroyed from inside one of its fibers");
  // Unwind every fiber still suspended so their destructors run, in id order.
  while (!fibers_.empty()) {
    Fiber& f = *fibers_.begin()->second;
    destroy(f);
    fibers_.erase(fibers_.begin());
  }
}

FiberId Scheduler::spawn(NodeId node, std::string name, std::function<void()> body, bool daemon) {
  auto fiber = std::make_unique<Fiber>();
  Fiber* f = fiber.get();
  f->id = next_id_++;
  f->node = node;
  f->name = std::move(name);
  f->body = std::move(body);
  f->daemon = daemon;
  f->context = ctx::fiber(std::allocator_arg, stacks_, [f](ctx::fiber&& caller) {
    f->caller = std::move(caller);
    // A fiber killed before it ever ran must not start now. With fcontext the unwind
    // strikes before this line; Boost's ucontext backend (sanitizer builds) enters the
    // fiber first, and would otherwise run the body once while destroying it.
    if (f->dying) return std::move(f->caller);
    try {
      f->body();
    } catch (const std::exception& e) {
      // forced_unwind is not a std::exception, so kills pass through untouched.
      assert_fail(__FILE__, __LINE__, "fiber body threw",
                  "fiber '" + f->name + "' let an exception escape: " + e.what());
    }
    f->state = State::kDone;
    f->body = nullptr;  // release captures while the fiber's stack still exists
    return std::move(f->caller);
  });
  if (!daemon) ++live_non_daemon_;
  fibers_.emplace(f->id, std::move(fiber));
  strategy_.on_spawn(*f);
  if (observer_) observer_->on_spawn(f->id, node, f->name);
  make_runnable(*f);
  return f->id;
}

FiberId Scheduler::spawn_next(NodeId node, std::string name, std::function<void()> body) {
  AURORA_ASSERT(next_ == 0, "a fiber that must run next is already pending");
  next_ = spawn(node, std::move(name), std::move(body));
  return next_;
}

FiberId Scheduler::spawn_here(std::string name, std::function<void()> body, bool daemon) {
  return spawn(current_node(), std::move(name), std::move(body), daemon);
}

RunOutcome Scheduler::run(RunLimits limits) {
  AURORA_ASSERT(current_ == nullptr, "run() called from inside a fiber");
  while (live_non_daemon_ > 0) {
    fire_due_timers();
    if (runnable_.empty()) {
      if (timers_.empty()) return {RunOutcome::Kind::kDeadlock, waiting_fibers()};
      const Nanos next = timers_.begin()->first.first;
      if (next > limits.until) return {RunOutcome::Kind::kTimeLimit, waiting_fibers()};
      const Nanos from = time_.now();
      time_.advance_to(next);
      if (observer_) observer_->on_time_advance(from, next);
      continue;
    }
    if (steps_ >= limits.max_steps) return {RunOutcome::Kind::kStepLimit, waiting_fibers()};
    std::size_t index = 0;
    if (next_ != 0) {
      const auto it = std::find_if(runnable_.begin(), runnable_.end(),
                                   [&](const FiberSlot* f) { return f->id == next_; });
      AURORA_ASSERT(it != runnable_.end(), "the fiber that must run next is not runnable");
      index = static_cast<std::size_t>(it - runnable_.begin());
      next_ = 0;
    } else {
      index = strategy_.pick(runnable_);
    }
    AURORA_ASSERT(index < runnable_.size(), "strategy picked a fiber that is not runnable");
    Fiber& f = *static_cast<Fiber*>(runnable_[index]);
    runnable_.erase(runnable_.begin() + static_cast<std::ptrdiff_t>(index));
    if (observer_) observer_->on_pick(f.id, runnable_.size() + 1);
    switch_to(f);
  }
  return {};
}

void Scheduler::switch_to(Fiber& f) {
  current_ = &f;
  f.state = State::kRunning;
  ++steps_;
  f.context = std::move(f.context).resume();
  current_ = nullptr;
  if (!f.context) {  // the body returned
    const FiberId id = f.id;
    if (!f.daemon) --live_non_daemon_;
    strategy_.on_exit(id);
    if (observer_) observer_->on_exit(id, /*killed=*/false);
    fibers_.erase(id);
  }
}

void Scheduler::suspend_current(State state) {
  Fiber* f = current_;
  AURORA_ASSERT(f != nullptr, "a blocking call was made outside any fiber");
  AURORA_ASSERT(!f->dying, "a fiber being killed tried to block or yield during unwinding");
  f->state = state;
  f->caller = std::move(f->caller).resume();
}

void Scheduler::make_runnable(Fiber& f) {
  f.state = State::kRunnable;
  runnable_.push_back(&f);
}

void Scheduler::yield() {
  AURORA_ASSERT(current_ != nullptr, "yield() outside any fiber");
  make_runnable(*current_);
  suspend_current(State::kRunnable);
}

void Scheduler::sleep_until(Nanos t) {
  Fiber* f = current_;
  AURORA_ASSERT(f != nullptr, "sleep outside any fiber");
  f->deadline = t;
  f->timer_armed = true;
  f->waiting_on = "sleep";
  timers_.emplace(std::make_pair(t, f->id), f);
  suspend_current(State::kSleeping);
}

bool Scheduler::block(const char* reason, Nanos deadline) {
  Fiber* f = current_;
  AURORA_ASSERT(f != nullptr, "block() outside any fiber");
  f->waiting_on = reason;
  f->woken = false;
  if (deadline != kNoDeadline) {
    f->deadline = deadline;
    f->timer_armed = true;
    timers_.emplace(std::make_pair(deadline, f->id), f);
  }
  if (observer_) observer_->on_block(f->id, reason);
  suspend_current(State::kBlocked);
  return f->woken;
}

void Scheduler::wake(FiberId id) {
  auto it = fibers_.find(id);
  if (it == fibers_.end()) return;
  Fiber& f = *it->second;
  if (f.state != State::kBlocked || f.dying) return;
  cancel_timer(f);
  f.woken = true;
  make_runnable(f);
}

void Scheduler::fire_due_timers() {
  const Nanos now = time_.now();
  while (!timers_.empty() && timers_.begin()->first.first <= now) {
    Fiber* f = timers_.begin()->second;
    timers_.erase(timers_.begin());
    f->timer_armed = false;
    f->woken = false;
    make_runnable(*f);
  }
}

void Scheduler::cancel_timer(Fiber& f) {
  if (!f.timer_armed) return;
  timers_.erase(std::make_pair(f.deadline, f.id));
  f.timer_armed = false;
}

FiberId Scheduler::current() const { return current_ ? current_->id : 0; }
NodeId Scheduler::current_node() const { return current_ ? current_->node : 0; }

const std::string& Scheduler::fiber_name(FiberId id) const {
  static const std::string kNone = "-";
  auto it = fibers_.find(id);
  return it == fibers_.end() ? kNone : it->second->name;
}

void Scheduler::destroy(Fiber& f) {
  cancel_timer(f);
  auto pos = std::find(runnable_.begin(), runnable_.end(), static_cast<FiberSlot*>(&f));
  if (pos != runnable_.end()) runnable_.erase(pos);
  Fiber* const previous = current_;
  current_ = &f;  // destructors running on the dying stack see their own fiber
  f.dying = true;
  f.state = State::kDone;
  { ctx::fiber dead = std::move(f.context); }  // unwinds the stack via forced_unwind
  current_ = previous;
  if (!f.daemon) --live_non_daemon_;
}

void Scheduler::kill_node(NodeId node) {
  std::vector<FiberId> victims;
  for (const auto& [id, fiber] : fibers_) {
    if (fiber->node == node) victims.push_back(id);
  }
  for (FiberId id : victims) kill(id);
}

void Scheduler::kill(FiberId id) {
  auto it = fibers_.find(id);
  if (it == fibers_.end() || it->second->dying) return;  // gone, or being unwound already
  AURORA_ASSERT(it->second.get() != current_, "a fiber tried to kill itself");
  destroy(*it->second);
  strategy_.on_exit(id);
  if (observer_) observer_->on_exit(id, /*killed=*/true);
  fibers_.erase(id);
}

std::vector<BlockedFiber> Scheduler::waiting_fibers() const {
  std::vector<BlockedFiber> out;
  for (const auto& [id, f] : fibers_) {
    if (f->state == State::kBlocked || f->state == State::kSleeping) {
      out.push_back({id, f->node, f->name, f->waiting_on});
    }
  }
  return out;
}

}  // namespace aurora
