#include "hook_pool.hpp"

#include <thread>

namespace lifespan::detail {

struct hook_pool::shared {
  std::mutex mutex;
  std::condition_variable wakeup;
  std::condition_variable exited;
  std::deque<std::function<void()>> queue;
  std::size_t limit = 0;    // threads allowed: max_parallel plus one per abandoned hook
  std::size_t threads = 0;  // threads alive
  std::size_t idle = 0;
  bool closing = false;
};

hook_pool::hook_pool(std::size_t max_parallel) : shared_(std::make_shared<shared>()) {
  shared_->limit = max_parallel == 0 ? 1 : max_parallel;
}

hook_pool::~hook_pool() {
  std::unique_lock lock(shared_->mutex);
  shared_->closing = true;
  shared_->wakeup.notify_all();
  // Idle threads exit at once; busy ones are inside hooks the runtime has abandoned. Wait briefly
  // for the former only: count threads that are idle-or-exiting.
  shared_->exited.wait(lock, [this] { return shared_->idle == 0; });
}

void hook_pool::submit(std::function<void()> hook) {
  std::lock_guard lock(shared_->mutex);
  shared_->queue.push_back(std::move(hook));
  spawn_if_needed(*shared_);
  shared_->wakeup.notify_one();
}

// Queued hooks beyond the idle workers (who have not woken yet to take theirs) need a new thread.
void hook_pool::spawn_if_needed(shared& s) {
  if (s.queue.size() > s.idle && s.threads < s.limit) {
    ++s.threads;
    std::thread(work, shared_).detach();
  }
}

void hook_pool::abandon_one() {
  std::lock_guard lock(shared_->mutex);
  ++shared_->limit;
  spawn_if_needed(*shared_);
}

void hook_pool::work(std::shared_ptr<shared> s) {
  std::unique_lock lock(s->mutex);
  for (;;) {
    if (!s->queue.empty()) {
      auto hook = std::move(s->queue.front());
      s->queue.pop_front();
      lock.unlock();
      hook();
      hook = nullptr;  // destroy captures outside the lock
      lock.lock();
      continue;
    }
    if (s->closing) break;
    ++s->idle;
    s->wakeup.wait(lock, [&] { return s->closing || !s->queue.empty(); });
    --s->idle;
  }
  --s->threads;
  s->exited.notify_all();
}

}  // namespace lifespan::detail
