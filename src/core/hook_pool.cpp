#include "hook_pool.hpp"

#include <algorithm>
#include <system_error>
#include <thread>

namespace lifespan::detail {

namespace {
// Set on pool threads: a handoff from one of them (a worker running the supervisor's work between two
// hooks, see loop::post_after_hook) leaves one hook for that worker, which takes it next, with no
// wake-up: the first one handed over before the worker takes its next hook (`kept_one`).
thread_local bool pool_thread = false;
thread_local bool kept_one = false;

// The heap's order: std::push_heap keeps the "largest" on top, so "less" means "runs later".
constexpr auto runs_later = [](const auto& a, const auto& b) noexcept {
  return a.priority != b.priority ? a.priority < b.priority : a.order > b.order;
};
}  // namespace

struct hook_pool::shared {
  std::mutex mutex;
  std::condition_variable wakeup;
  std::condition_variable exited;
  std::vector<queued> queue;  // a binary heap: highest priority, then earliest submitted, on top
  std::uint64_t submitted = 0;
  std::size_t limit = 0;    // threads allowed: max_parallel plus one per abandoned hook
  std::size_t threads = 0;  // threads alive or claimed
  std::size_t idle = 0;
  std::size_t spawning = 0; // threads claimed but not yet taking work: each will take one hook
  std::size_t unborn = 0;   // of those, the ones not created yet (new threads create them)
  bool closing = false;

  // With `mutex` held: whether queued hooks outnumber the workers that will take them (idle ones and
  // ones being created), so one more thread is needed. Claims it: the thread is created after
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

void hook_pool::spawn(const std::shared_ptr<shared>& s) {
  try {
    std::thread(work, s).detach();
  } catch (const std::system_error&) {  // no thread now (EAGAIN): on a pool thread this must not escape
    // Unclaim it and the ones it would have created; the next submission claims again, and a hook
    // left queued meanwhile is bounded by its component's start or stop timeout.
    std::lock_guard lock(s->mutex);
    s->spawning -= 1 + s->unborn;
    s->threads -= 1 + s->unborn;
    s->unborn = 0;
  }
}

void hook_pool::flush() {
  handoff();
  next_handoff_ = 1;
}

void hook_pool::handoff() {
  if (pending_.empty()) return;
  next_handoff_ = pending_.size() * 2;
  const std::size_t self = pool_thread && !kept_one ? 1 : 0;
  kept_one = kept_one || pool_thread;
  std::size_t idle = 0, spawn_count = 0;
  {
    std::lock_guard lock(shared_->mutex);
    for (auto& q : pending_) {
      q.order = shared_->submitted++;
      shared_->queue.push_back(std::move(q));
      std::push_heap(shared_->queue.begin(), shared_->queue.end(), runs_later);
    }
    idle = shared_->idle;
    while (shared_->claim_spawn(self)) ++spawn_count;
    if (spawn_count > 1) shared_->unborn += spawn_count - 1;
  }
  const std::size_t wake = std::min(idle, pending_.size() - self);
  pending_.clear();
  if (wake == idle) {
    if (wake > 0) shared_->wakeup.notify_all();
  } else {
    for (std::size_t i = 0; i < wake; ++i) shared_->wakeup.notify_one();
  }
  if (spawn_count > 0) spawn(shared_);  // it creates the others (work())
}

void hook_pool::prestart(std::size_t count) {
  {
    std::lock_guard lock(shared_->mutex);
    count = std::min(count, shared_->limit - std::min(shared_->limit, shared_->threads));
    if (count == 0) return;
    shared_->threads += count;
    shared_->spawning += count;  // each takes a hook if one is queued by the time it starts
    shared_->unborn += count - 1;
  }
  spawn(shared_);
}

void hook_pool::abandon_one() {
  bool spawn_one = false;
  {
    std::lock_guard lock(shared_->mutex);
    ++shared_->limit;
    spawn_one = shared_->claim_spawn();
  }
  if (spawn_one) spawn(shared_);
}

void hook_pool::work(std::shared_ptr<shared> s) {
  pool_thread = true;
  std::unique_lock lock(s->mutex);
  // Threads still owed by the flush that created this one: create up to two of them, each of which
  // does the same, before taking a hook.
  const std::size_t children = std::min<std::size_t>(s->unborn, 2);
  s->unborn -= children;
  if (children > 0) {
    lock.unlock();
    for (std::size_t i = 0; i < children; ++i) spawn(s);
    lock.lock();
  }
  --s->spawning;
  for (;;) {
    if (!s->queue.empty()) {
      std::pop_heap(s->queue.begin(), s->queue.end(), runs_later);
      auto hook = std::move(s->queue.back().hook);
      s->queue.pop_back();
      lock.unlock();
      hook();
      hook = nullptr;  // destroy captures outside the lock
      kept_one = false;  // whatever it kept is in the queue: it takes the top now
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
