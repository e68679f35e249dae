#include "handler_pool.hpp"

#include <system_error>
#include <utility>

namespace lifespan::http::detail {

handler_pool::handler_pool(std::size_t threads, std::size_t queue, std::string name, std::shared_ptr<spdlog::logger> log)
    : max_threads_(threads), max_queue_(queue), name_(std::move(name)), log_(std::move(log)) {}

handler_pool::~handler_pool() {
  halt();
  join();
}

// A thread that is starting counts as idle: it takes a job as soon as it runs. A job is queued for
// an idle thread when one is not already spoken for, else a thread is started for it while fewer than
// `threads` exist, else it waits in the queue, which refuses it once `queue` jobs wait.
bool handler_pool::submit(job& j) {
  std::unique_lock lock(mutex_);
  if (halted_) return false;
  const bool grow = jobs_.size() >= idle_ && threads_.size() < max_threads_;
  const std::size_t takers = idle_ + (grow ? 1 : 0);
  if (jobs_.size() >= takers + max_queue_) return false;
  jobs_.push_back(std::move(j));
  queued_.store(jobs_.size() > takers ? jobs_.size() - takers : 0, std::memory_order_relaxed);  // a snapshot
  if (grow) {
    ++idle_;
    const auto index = threads_.size();
    try {
      threads_.emplace_back([this, index] { work(index); });
      return true;
    } catch (const std::system_error& e) {  // out of threads (ulimit -u, memory): run on those there are
      --idle_;
      log_->warn("{}: cannot start handler thread {} ({}); running on {}", name_, index + 1, e.what(), threads_.size());
      if (threads_.empty() || jobs_.size() > idle_ + max_queue_) {
        j = std::move(jobs_.back());
        jobs_.pop_back();
        return false;
      }
    }
  }
  lock.unlock();
  wake_.notify_one();
  return true;
}

void handler_pool::work(std::size_t index) {
  std::unique_lock lock(mutex_);
  for (;;) {  // idle_ counts this thread here (submit() counted it when it started it)
    wake_.wait(lock, [&] { return halted_ || !jobs_.empty(); });
    --idle_;
    if (jobs_.empty()) return;  // halted, and nothing left for this thread
    job j = std::move(jobs_.front());
    jobs_.pop_front();
    queued_.store(jobs_.size() > idle_ ? jobs_.size() - idle_ : 0, std::memory_order_relaxed);
    busy_.fetch_add(1, std::memory_order_relaxed);
    lock.unlock();
    try {
      j();
    } catch (const std::exception& e) {
      log_->error("{}: handler thread {}: {}", name_, index, e.what());
    } catch (...) {
      log_->error("{}: handler thread {}: a non-standard exception", name_, index);
    }
    j = nullptr;  // what the job holds is released before the thread counts as free again
    busy_.fetch_sub(1, std::memory_order_relaxed);
    lock.lock();
    ++idle_;
  }
}

void handler_pool::halt() {
  std::deque<job> dropped;
  {
    std::lock_guard lock(mutex_);
    halted_ = true;
    dropped.swap(jobs_);
    queued_.store(0, std::memory_order_relaxed);
  }
  wake_.notify_all();
  dropped.clear();  // outside the lock: a job's captures may take other locks as they go
}

void handler_pool::join() {
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mutex_);
    threads.swap(threads_);
  }
  for (auto& t : threads)
    if (t.joinable()) t.join();
}

std::size_t handler_pool::started() const {
  std::lock_guard lock(mutex_);
  return threads_.size();
}

}  // namespace lifespan::http::detail
