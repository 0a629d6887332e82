#include "engine/runtime/sync.h"

namespace aurora {

WaitQueue::~WaitQueue() {
  // Waiters live on their fibers' stacks; a queue destroyed under them would leave
  // dangling links. Owners must outlive the fibers that wait on them.
  AURORA_ASSERT(head_ == nullptr, "wait queue destroyed while fibers wait on it");
}

void WaitQueue::link(Waiter& w) {
  w.prev = tail_;
  w.next = nullptr;
  if (tail_) tail_->next = &w; else head_ = &w;
  tail_ = &w;
  w.linked = true;
}

void WaitQueue::unlink(Waiter& w) {
  if (!w.linked) return;
  if (w.prev) w.prev->next = w.next; else head_ = w.next;
  if (w.next) w.next->prev = w.prev; else tail_ = w.prev;
  w.prev = w.next = nullptr;
  w.linked = false;
}

bool WaitQueue::wait(Scheduler& sched, const char* reason, Nanos deadline) {
  Waiter self{sched.current()};
  link(self);
  // Unlinks on every exit: notified (already unlinked), timed out, or unwound by a kill.
  struct Unlinker {
    WaitQueue& q;
    Waiter& w;
    ~Unlinker() { q.unlink(w); }
  } unlinker{*this, self};
  return sched.block(reason, deadline);
}

FiberId WaitQueue::notify_one(Scheduler& sched) {
  while (head_ != nullptr) {
    Waiter* w = head_;
    unlink(*w);
    if (sched.alive(w->fiber)) {
      sched.wake(w->fiber);
      return w->fiber;
    }
  }
  return 0;
}

void WaitQueue::notify_all(Scheduler& sched) {
  while (notify_one(sched) != 0) {
  }
}

void Event::set() {
  set_ = true;
  waiters_.notify_all(sched_);
}

void Event::wait(const char* reason) {
  while (!set_) waiters_.wait(sched_, reason);
}

bool Event::wait_until(Nanos deadline, const char* reason) {
  while (!set_) {
    if (!waiters_.wait(sched_, reason, deadline)) return set_;
  }
  return true;
}

void Mutex::lock(const char* reason) {
  const FiberId me = sched_.current();
  AURORA_ASSERT(me != 0, "Mutex::lock outside any fiber");
  AURORA_ASSERT(owner_ != me, "Mutex is not recursive");
  if (owner_ == 0 && waiters_.empty()) {
    owner_ = me;
    return;
  }
  // unlock() hands ownership to us before waking us. If we are killed after the hand-off
  // but before we run, the unwinding passes through here: give the mutex on, or it would
  // stay owned by a fiber that no longer exists.
  struct PassOnIfUnwound {
    Mutex& m;
    FiberId me;
    bool acquired = false;
    ~PassOnIfUnwound() {
      if (!acquired && m.owner_ == me) m.hand_off();
    }
  } guard{*this, me};
  while (owner_ != me) waiters_.wait(sched_, reason);
  guard.acquired = true;
}

bool Mutex::try_lock() {
  if (owner_ != 0 || !waiters_.empty()) return false;
  owner_ = sched_.current();
  return true;
}

void Mutex::unlock() {
  AURORA_ASSERT(owner_ == sched_.current(), "Mutex unlocked by a fiber that does not own it");
  hand_off();
}

void Mutex::hand_off() { owner_ = waiters_.notify_one(sched_); }

bool CondVar::wait(Mutex& m, const char* reason, Nanos deadline) {
  m.unlock();
  const bool notified = waiters_.wait(sched_, reason, deadline);
  m.lock(reason);
  return notified;
}

}  // namespace aurora
