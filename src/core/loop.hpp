#pragma once
// The supervisor loop: all lifecycle state belongs to one role, the supervisor; everything else talks
// to it by posting tasks. Tasks and timers run one at a time, in order, so lifecycle code never needs
// a lock for its own records.
//
// The role is held by the thread inside run_until() while it works. While it sleeps, a hook worker
// that has just finished a hook may take the role through post_after_hook() and run the supervisor's
// work itself (its own task, everything posted meanwhile, due timers, the hand-over) instead of
// waking the supervisor thread: a component that comes up starts its dependents with no thread
// wake-up in between. The role changes hands only under `mutex_`, which orders everything one
// holder did before everything the next one does.
//
// Held by shared_ptr: asynchronous completions keep a weak_ptr and post only while the loop lives.
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "lifespan/core/clock.hpp"

namespace lifespan::detail {

class loop : public std::enable_shared_from_this<loop> {
 public:
  using task = std::function<void()>;
  using timer_id = std::uint64_t;

  explicit loop(std::shared_ptr<lifespan::clock> clock);
  // Must be called once, after construction through make_shared (subscribes to manual clocks).
  void attach_clock();

  time_point now() const noexcept { return clock_->now(); }

  // Any thread.
  void post(task t);
  // A hook worker between hooks (never from inside a hook: the task would run nested in it): posts
  // `t` and, when the supervisor sleeps, runs the supervisor's work on the calling thread.
  void post_after_hook(task t);

  // Supervisor role only: runs `t` after the work at hand, before the loop sleeps or hands the role
  // back, like post() but with no lock (work the supervisor gives itself, e.g. to end a chain of
  // calls without recursing).
  void defer(task t) { deferred_.push_back(std::move(t)); }

  // Supervisor role only. A cancelled or fired id may be cancelled again harmlessly; id 0 is never used.
  // Timers due at the same time fire in the order they were armed.
  timer_id at(time_point when, task t);
  timer_id after(duration d, task t) { return at(now() + d, std::move(t)); }
  void cancel(timer_id& id);

  // Runs posted tasks and due timers until `done()` holds (checked after every task). `before_sleep`
  // runs, with the role held, whenever the work runs out, and before run_until returns: the place to
  // hand work batched up by the tasks to other threads.
  void run_until(const std::function<bool()>& done, const std::function<void()>& before_sleep = {});

 private:
  // Role held: due timers and posted tasks until there are none or done() holds; returns done().
  bool work_off(const std::function<bool()>& done);
  // Role held by a hook worker: work, hand over, give the role back (waking the supervisor thread
  // when it must act: done() holds, or a timer is due before it would wake).
  void run_as_supervisor();
  // Role held (or the role's mutex, while it changes hands). Drops cancelled entries from the top.
  time_point earliest_timer();
  void release_timer(std::uint32_t slot);

  std::shared_ptr<lifespan::clock> clock_;
  std::mutex mutex_;
  std::condition_variable wakeup_;
  // Guarded by mutex_.
  std::vector<task> posted_;
  bool role_taken_ = true;   // false only while the thread inside run_until() sleeps
  bool sleeping_ = false;    // that thread waits and has not been notified yet
  bool recheck_ = false;     // a worker gave the role back and the sleeper must look again
  time_point sleep_until_ = time_point::max();
  const std::function<bool()>* done_ = nullptr;        // run_until's, while it runs
  const std::function<void()>* before_sleep_ = nullptr;

  // Role only. Timers live in reusable slots (no allocation per timer once the slots have grown); a
  // binary min-heap orders them by (time, arming order), so timers due at the same time fire in the
  // order they were armed. A timer id is (slot generation << 32 | slot): cancelling frees the slot
  // and bumps its generation, which turns the heap entry stale; stale entries are skipped when they
  // reach the top and swept out when they outnumber the live ones.
  struct timer_slot {
    task run;
    std::uint32_t generation = 1;
    bool armed = false;
  };
  struct heap_entry {
    time_point when;
    std::uint64_t order;
    std::uint32_t slot, generation;
  };
  std::vector<timer_slot> slots_;
  std::vector<std::uint32_t> free_slots_;
  std::vector<heap_entry> heap_;
  std::size_t stale_ = 0;
  std::uint64_t armed_count_ = 0;
  std::vector<task> batch_;  // work_off's, kept for its capacity
  std::vector<task> deferred_;  // defer()'s: role only, taken into the next batch
};

}  // namespace lifespan::detail
