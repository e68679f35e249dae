#include "loop.hpp"

#include <utility>

namespace lifespan::detail {

loop::loop(std::shared_ptr<lifespan::clock> clock) : clock_(std::move(clock)) {}

void loop::attach_clock() {
  if (!clock_->is_manual()) return;
  std::weak_ptr<loop> self = weak_from_this();
  clock_->subscribe([self] {
    if (auto l = self.lock()) l->post([] {});
  });
}

void loop::post(task t) {
  bool wake = false;
  {
    std::lock_guard lock(mutex_);
    posted_.push_back(std::move(t));
    // A worker holding the role looks at posted_ before it gives the role back.
    wake = !role_taken_ && std::exchange(sleeping_, false);
  }
  if (wake) wakeup_.notify_one();
}

void loop::post_after_hook(task t) {
  {
    std::lock_guard lock(mutex_);
    posted_.push_back(std::move(t));
    // Only a sleeper that nobody has woken yet: otherwise the supervisor thread is on its way.
    if (role_taken_ || !sleeping_ || done_ == nullptr) return;
    role_taken_ = true;
  }
  run_as_supervisor();
}

void loop::run_as_supervisor() {
  for (;;) {
    const bool finished = work_off(*done_);
    if (!finished && *before_sleep_) (*before_sleep_)();
    std::unique_lock lock(mutex_);
    if (!finished && !posted_.empty()) continue;
    role_taken_ = false;
    // The sleeper waits for its deadline only while the role is free: past it, or with an earlier
    // timer now, it must look again.
    if (finished || earliest_timer() < sleep_until_ || (sleep_until_ != time_point::max() && now() >= sleep_until_)) {
      recheck_ = true;
      sleeping_ = false;
      lock.unlock();
      wakeup_.notify_one();
    }
    return;
  }
}

loop::timer_id loop::at(time_point when, task t) {
  const timer_id id = next_id_++;
  timers_.emplace(timer_key{when, id}, std::move(t));
  timer_times_.emplace(id, when);
  return id;
}

void loop::cancel(timer_id& id) {
  if (id == 0) return;
  if (auto it = timer_times_.find(id); it != timer_times_.end()) {
    timers_.erase(timer_key{it->second, id});
    timer_times_.erase(it);
  }
  id = 0;
}

time_point loop::earliest_timer() const {
  return timers_.empty() || clock_->is_manual() ? time_point::max() : timers_.begin()->first.first;
}

bool loop::work_off(const std::function<bool()>& done) {
  std::deque<task> batch;
  for (;;) {
    if (done()) return true;
    // Due timers first, one at a time: a timer may cancel or add others.
    bool fired = false;
    while (!timers_.empty() && timers_.begin()->first.first <= clock_->now()) {
      auto node = timers_.extract(timers_.begin());
      timer_times_.erase(node.key().second);
      node.mapped()();
      fired = true;
      if (done()) return true;
    }
    {
      std::lock_guard lock(mutex_);
      batch.swap(posted_);
    }
    if (batch.empty() && !fired) return false;
    while (!batch.empty()) {
      task t = std::move(batch.front());
      batch.pop_front();
      t();
      if (done()) {
        // Keep the rest for a later run_until (shutdown follows startup on the same loop).
        std::lock_guard lock(mutex_);
        posted_.insert(posted_.begin(), std::make_move_iterator(batch.begin()), std::make_move_iterator(batch.end()));
        return true;
      }
    }
  }
}

void loop::run_until(const std::function<bool()>& done, const std::function<void()>& before_sleep) {
  {
    std::lock_guard lock(mutex_);
    done_ = &done;
    before_sleep_ = &before_sleep;
  }
  for (;;) {
    const bool finished = work_off(done);
    if (before_sleep) before_sleep();
    std::unique_lock lock(mutex_);
    if (finished) {
      done_ = nullptr;
      before_sleep_ = nullptr;
      return;
    }
    if (!posted_.empty()) continue;
    // Sleep, lending the role to whichever hook worker finishes first (post_after_hook).
    sleep_until_ = earliest_timer();
    role_taken_ = false;
    sleeping_ = true;
    recheck_ = false;
    for (;;) {
      if (!role_taken_ && (!posted_.empty() || recheck_)) break;
      if (role_taken_ || sleep_until_ == time_point::max()) {
        wakeup_.wait(lock);  // a manual clock posts a no-op when it moves
      } else if (wakeup_.wait_until(lock, sleep_until_) == std::cv_status::timeout && !role_taken_) {
        break;
      }
    }
    role_taken_ = true;
    sleeping_ = false;
  }
}

}  // namespace lifespan::detail
