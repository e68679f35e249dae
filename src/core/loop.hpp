#pragma once
// The supervisor loop: one thread owns all lifecycle state; everything else talks to it by posting
// tasks. Timers fire on the same thread, so lifecycle code never needs a lock for its own records.
// Held by shared_ptr: asynchronous completions keep a weak_ptr and post only while the loop lives.
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <unordered_map>

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

  // Supervisor thread only. A cancelled or fired id may be cancelled again harmlessly; id 0 is never used.
  timer_id at(time_point when, task t);
  timer_id after(duration d, task t) { return at(now() + d, std::move(t)); }
  void cancel(timer_id& id);

  // Runs posted tasks and due timers until `done()` holds (checked after every task). `before_sleep`
  // runs on the supervisor thread whenever the loop is about to block, and before it returns: the
  // place to hand work batched up by the tasks to other threads.
  void run_until(const std::function<bool()>& done, const std::function<void()>& before_sleep = {});

 private:
  std::shared_ptr<lifespan::clock> clock_;
  std::mutex mutex_;
  std::condition_variable wakeup_;
  std::deque<task> posted_;
  bool sleeping_ = false;  // guarded by mutex_: post() wakes the supervisor only when it sleeps

  using timer_key = std::pair<time_point, timer_id>;
  std::map<timer_key, task> timers_;
  std::unordered_map<timer_id, time_point> timer_times_;
  timer_id next_id_ = 1;
};

}  // namespace lifespan::detail
