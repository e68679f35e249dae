#include "hook_pool.hpp"

#include <algorithm>
#include <thread>

namespace lifespan::detail {

namespace {
// Set on pool threads: a flush from one of them (a worker running the supervisor's work between two
// hooks, see loop::post_after_hook) leaves the first hook for that worker, which takes it next.
thread_local bool pool_thread = false;
}  // namespace

struct hook_pool::shared {
  std::mutex mutex;
  std::condition_variable wakeup;
  std::condition_variable exited;
  std::deque<std::function<void()>> queue;
  std::size_t limit = 0;    // threads allowed: max_parallel plus one per abandoned hook
  std::size_t threads = 0;  // threads alive
  std::size_t idle = 0;
  std::size_t spawning = 0; // threads created but not yet taking work: each will take one hook
  bool closing = false;

  // With `mutex` held: whether queued hooks outnumber the workers that will take them (idle ones and
  // ones being created), so one more thread is needed. Claims it: the caller creates the thread after
  // unlocking, so thread creation never happens under the lock.
  bool claim_spawn(std::size_t self = 0) {
    if (closing || queue.size() <= idle + spawning + self || threads >= limit) return false;
    ++spawning;
    ++threads;
    return true;
  }
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

// Thread creation costs tens of microseconds: it happens outside the lock, so workers keep taking
// hooks while the supervisor creates the ones a burst needs.
void hook_pool::flush() {
  if (pending_.empty()) return;
  const std::size_t self = pool_thread ? 1 : 0;
  std::size_t idle = 0, spawn = 0;
  {
    std::lock_guard lock(shared_->mutex);
    for (auto& hook : pending_) shared_->queue.push_back(std::move(hook));
    idle = shared_->idle;
    while (shared_->claim_spawn(self)) ++spawn;
  }
  const std::size_t wake = std::min(idle, pending_.size() - self);
  pending_.clear();
  if (wake == idle) {
    if (wake > 0) shared_->wakeup.notify_all();
  } else {
    for (std::size_t i = 0; i < wake; ++i) shared_->wakeup.notify_one();
  }
  for (std::size_t i = 0; i < spawn; ++i) std::thread(work, shared_).detach();
}

void hook_pool::abandon_one() {
  bool spawn = false;
  {
    std::lock_guard lock(shared_->mutex);
    ++shared_->limit;
    spawn = shared_->claim_spawn();
  }
  if (spawn) std::thread(work, shared_).detach();
}

void hook_pool::work(std::shared_ptr<shared> s) {
  pool_thread = true;
  std::unique_lock lock(s->mutex);
  --s->spawning;
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
