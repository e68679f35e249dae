#include "loop.hpp"

#include <algorithm>
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

namespace {
// Min-heap on (when, order): std::push_heap and friends build a max-heap, hence "later".
struct later {
  template <class E>
  bool operator()(const E& a, const E& b) const noexcept {
    return a.when != b.when ? a.when > b.when : a.order > b.order;
  }
};
}  // namespace

loop::timer_id loop::at(time_point when, task t) {
  std::uint32_t slot;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
  } else {
    slot = static_cast<std::uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  auto& s = slots_[slot];
  s.run = std::move(t);
  s.armed = true;
  heap_.push_back({when, armed_count_++, slot, s.generation});
  std::push_heap(heap_.begin(), heap_.end(), later{});
  return (static_cast<timer_id>(s.generation) << 32) | slot;
}

void loop::release_timer(std::uint32_t slot) {
  auto& s = slots_[slot];
  s.armed = false;
  ++s.generation;
  free_slots_.push_back(slot);
}

void loop::cancel(timer_id& id) {
  if (id == 0) return;
  const auto slot = static_cast<std::uint32_t>(id & 0xffffffffu);
  const auto generation = static_cast<std::uint32_t>(id >> 32);
  id = 0;
  if (slot >= slots_.size() || slots_[slot].generation != generation || !slots_[slot].armed) return;
  slots_[slot].run = nullptr;  // its captures go now, as they would with the timer
  release_timer(slot);
  // The heap entry is now stale. Sweep when stale entries outnumber live ones, so that a long-running
  // service cancelling far-off timers (start timeouts, health deadlines) keeps the heap small.
  if (++stale_ > 64 && stale_ * 2 > heap_.size()) {
    std::erase_if(heap_, [this](const heap_entry& e) { return slots_[e.slot].generation != e.generation; });
    std::make_heap(heap_.begin(), heap_.end(), later{});
    stale_ = 0;
  }
}

time_point loop::earliest_timer() {
  while (!heap_.empty() && slots_[heap_.front().slot].generation != heap_.front().generation) {
    std::pop_heap(heap_.begin(), heap_.end(), later{});
    heap_.pop_back();
    --stale_;
  }
  return heap_.empty() || clock_->is_manual() ? time_point::max() : heap_.front().when;
}

bool loop::work_off(const std::function<bool()>& done) {
  for (;;) {
    if (done()) return true;
    // Due timers first, one at a time: a timer may cancel or add others.
    bool fired = false;
    for (;;) {
      earliest_timer();  // drops cancelled entries from the top
      if (heap_.empty() || heap_.front().when > clock_->now()) break;
      const auto slot = heap_.front().slot;
      std::pop_heap(heap_.begin(), heap_.end(), later{});
      heap_.pop_back();
      task t = std::move(slots_[slot].run);
      slots_[slot].run = nullptr;
      release_timer(slot);
      t();
      fired = true;
      if (done()) return true;
    }
    {
      std::lock_guard lock(mutex_);
      batch_.swap(posted_);
    }
    if (!deferred_.empty()) {
      batch_.insert(batch_.end(), std::make_move_iterator(deferred_.begin()), std::make_move_iterator(deferred_.end()));
      deferred_.clear();
    }
    if (batch_.empty() && !fired) return false;
    for (std::size_t i = 0; i < batch_.size(); ++i) {
      task t = std::move(batch_[i]);
      t();
      if (done()) {
        // Keep the rest for a later run_until (shutdown follows startup on the same loop).
        std::lock_guard lock(mutex_);
        posted_.insert(posted_.begin(), std::make_move_iterator(batch_.begin() + static_cast<std::ptrdiff_t>(i) + 1),
                       std::make_move_iterator(batch_.end()));
        batch_.clear();
        return true;
      }
    }
    batch_.clear();
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
