// Fiber-aware synchronization: they park the calling fiber in the scheduler instead of
// blocking the OS thread. Single-threaded by construction, so there are no atomics; the
// only hazards are fibers being killed while waiting (handled: waiter records live on
// the waiting fiber's stack and unlink themselves when it unwinds) and wake-ups of
// fibers that already timed out (handled the same way).
#pragma once

#include <cstddef>
#include <deque>
#include <memory>
#include <optional>
#include <utility>

#include "engine/runtime/assert.h"
#include "engine/runtime/scheduler.h"

namespace aurora {

// A FIFO queue of parked fibers; the building block of everything below.
class WaitQueue {
 public:
  WaitQueue() = default;
  WaitQueue(const WaitQueue&) = delete;
  WaitQueue& operator=(const WaitQueue&) = delete;
  ~WaitQueue();

  // Parks the calling fiber until notified or until `deadline`. True when notified.
  bool wait(Scheduler& sched, const char* reason, Nanos deadline = Scheduler::kNoDeadline);
  // Wakes the longest-waiting live fiber and returns its id; 0 when nobody waits.
  FiberId notify_one(Scheduler& sched);
  void notify_all(Scheduler& sched);
  bool empty() const { return head_ == nullptr; }

 private:
  struct Waiter {
    FiberId fiber;
    Waiter* prev = nullptr;
    Waiter* next = nullptr;
    bool linked = false;
  };
  void link(Waiter& w);
  void unlink(Waiter& w);
  Waiter* head_ = nullptr;
  Waiter* tail_ = nullptr;
};

// A manual-reset event: wait() returns once set() was called, until reset().
class Event {
 public:
  explicit Event(Scheduler& sched) : sched_(sched) {}
  void set();
  void reset() { set_ = false; }
  bool is_set() const { return set_; }
  void wait(const char* reason = "event");
  // True when the event was set before `deadline`.
  bool wait_until(Nanos deadline, const char* reason = "event");

 private:
  Scheduler& sched_;
  WaitQueue waiters_;
  bool set_ = false;
};

// A mutex with FIFO hand-off: unlock() passes ownership straight to the first waiter, so
// a fiber that unlocks and relocks cannot starve the others.
class Mutex {
 public:
  explicit Mutex(Scheduler& sched) : sched_(sched) {}
  void lock(const char* reason = "mutex");
  bool try_lock();
  void unlock();
  bool locked() const { return owner_ != 0; }

 private:
  void hand_off();  // gives ownership to the first live waiter, or frees the mutex
  Scheduler& sched_;
  WaitQueue waiters_;
  FiberId owner_ = 0;
};

class LockGuard {
 public:
  explicit LockGuard(Mutex& m, const char* reason = "mutex") : m_(m) { m_.lock(reason); }
  ~LockGuard() { m_.unlock(); }
  LockGuard(const LockGuard&) = delete;
  LockGuard& operator=(const LockGuard&) = delete;

 private:
  Mutex& m_;
};

class CondVar {
 public:
  explicit CondVar(Scheduler& sched) : sched_(sched) {}
  // Releases `m`, waits, and reacquires `m` before returning. True when notified.
  bool wait(Mutex& m, const char* reason = "condvar",
            Nanos deadline = Scheduler::kNoDeadline);
  void notify_one() { waiters_.notify_one(sched_); }
  void notify_all() { waiters_.notify_all(sched_); }

 private:
  Scheduler& sched_;
  WaitQueue waiters_;
};

// A channel of values between fibers; bounded when capacity > 0. After close(), send
// fails and recv drains what is left, then returns nullopt.
template <typename T>
class Channel {
 public:
  explicit Channel(Scheduler& sched, std::size_t capacity = 0)
      : sched_(sched), capacity_(capacity) {}

  // False when the channel is closed.
  bool send(T value) {
    while (!closed_ && capacity_ != 0 && items_.size() >= capacity_) {
      senders_.wait(sched_, "channel send");
    }
    if (closed_) return false;
    items_.push_back(std::move(value));
    receivers_.notify_one(sched_);
    return true;
  }
  std::optional<T> recv(Nanos deadline = Scheduler::kNoDeadline) {
    while (items_.empty() && !closed_) {
      if (!receivers_.wait(sched_, "channel recv", deadline) && items_.empty()) {
        return std::nullopt;  // timed out
      }
    }
    if (items_.empty()) return std::nullopt;
    T value = std::move(items_.front());
    items_.pop_front();
    senders_.notify_one(sched_);
    return value;
  }
  std::optional<T> try_recv() {
    if (items_.empty()) return std::nullopt;
    T value = std::move(items_.front());
    items_.pop_front();
    senders_.notify_one(sched_);
    return value;
  }
  void close() {
    closed_ = true;
    receivers_.notify_all(sched_);
    senders_.notify_all(sched_);
  }
  bool closed() const { return closed_; }
  std::size_t size() const { return items_.size(); }

 private:
  Scheduler& sched_;
  std::size_t capacity_;
  std::deque<T> items_;
  WaitQueue receivers_;
  WaitQueue senders_;
  bool closed_ = false;
};

// A one-shot value handed from one fiber to any number of waiters.
template <typename T>
class Promise {
  struct State {
    explicit State(Scheduler& s) : ready(s) {}
    Event ready;
    std::optional<T> value;
  };

 public:
  class Future {
   public:
    const T& get() {
      state_->ready.wait("future");
      return *state_->value;
    }
    bool ready() const { return state_->ready.is_set(); }

   private:
    friend class Promise;
    explicit Future(std::shared_ptr<State> s) : state_(std::move(s)) {}
    std::shared_ptr<State> state_;
  };

  explicit Promise(Scheduler& sched) : state_(std::make_shared<State>(sched)) {}
  Future future() const { return Future(state_); }
  void set(T value) {
    AURORA_ASSERT(!state_->value.has_value(), "promise fulfilled twice");
    state_->value = std::move(value);
    state_->ready.set();
  }

 private:
  std::shared_ptr<State> state_;
};

}  // namespace aurora
