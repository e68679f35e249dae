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
    wake = std::exchange(sleeping_, false);
  }
  if (wake) wakeup_.notify_one();
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

void loop::run_until(const std::function<bool()>& done, const std::function<void()>& before_sleep) {
  const auto hand_over = [&] {
    if (before_sleep) before_sleep();
  };
  std::deque<task> batch;
  while (!done()) {
    // Due timers first, one at a time: a timer may cancel or add others.
    bool fired = false;
    while (!timers_.empty() && timers_.begin()->first.first <= clock_->now()) {
      auto node = timers_.extract(timers_.begin());
      timer_times_.erase(node.key().second);
      node.mapped()();
      fired = true;
      if (done()) return hand_over();
    }
    {
      std::unique_lock lock(mutex_);
      if (posted_.empty() && !fired) {
        lock.unlock();
        hand_over();
        lock.lock();
      }
      if (posted_.empty() && !fired) {
        const auto has_work = [this] { return !posted_.empty(); };
        sleeping_ = true;
        if (timers_.empty() || clock_->is_manual()) {
          wakeup_.wait(lock, has_work);  // a manual clock posts a no-op when it moves
        } else {
          wakeup_.wait_until(lock, timers_.begin()->first.first, has_work);
        }
        sleeping_ = false;
      }
      batch.swap(posted_);
    }
    while (!batch.empty()) {
      task t = std::move(batch.front());
      batch.pop_front();
      t();
      if (done()) {
        // Keep the rest for a later run_until (shutdown follows startup on the same loop).
        std::lock_guard lock(mutex_);
        posted_.insert(posted_.begin(), std::make_move_iterator(batch.begin()), std::make_move_iterator(batch.end()));
        return hand_over();
      }
    }
  }
}

}  // namespace lifespan::detail
