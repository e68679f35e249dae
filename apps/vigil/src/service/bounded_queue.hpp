#pragma once
// A bounded multi-producer, multi-consumer FIFO between two pipeline stages: the backpressure point.
// push() blocks while the queue is full (so a slow stage slows the tailer down instead of dropping
// lines); pop() blocks while it is empty. close() ends the stream: pushes fail from then on, while
// pops still return everything already queued and then nullopt, which is how a stage drains.
//
// Thread-safety: every member may be called from any thread. Depth and totals are atomics, read by
// the metrics collector at scrape time without the lock.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <stop_token>
#include <utility>

namespace vigil::service {

template <class T>
class bounded_queue {
 public:
  explicit bounded_queue(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

  // Blocks while full. False when the queue was closed or `stop` was requested before there was room
  // (the item is then not queued).
  bool push(T item, std::stop_token stop = {}) {
    std::unique_lock lock(mutex_);
    if (items_.size() >= capacity_) {
      blocked_.fetch_add(1, std::memory_order_relaxed);
      not_full_.wait(lock, stop, [&] { return closed_ || items_.size() < capacity_; });
    }
    if (closed_ || items_.size() >= capacity_) return false;
    items_.push_back(std::move(item));
    depth_.store(items_.size(), std::memory_order_relaxed);
    pushed_.fetch_add(1, std::memory_order_relaxed);
    not_empty_.notify_one();
    return true;
  }

  // Blocks while empty and open; nullopt once closed and empty.
  std::optional<T> pop() {
    std::unique_lock lock(mutex_);
    not_empty_.wait(lock, [&] { return closed_ || !items_.empty(); });
    return take(lock);
  }

  // Like pop(), waiting at most `wait`; nullopt on timeout as well.
  std::optional<T> pop_for(std::chrono::milliseconds wait) {
    std::unique_lock lock(mutex_);
    not_empty_.wait_for(lock, wait, [&] { return closed_ || !items_.empty(); });
    return take(lock);
  }

  // Never blocks.
  std::optional<T> try_pop() {
    std::unique_lock lock(mutex_);
    return take(lock);
  }

  void close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    not_empty_.notify_all();
    not_full_.notify_all();
  }

  bool closed() const {
    std::lock_guard lock(mutex_);
    return closed_;
  }
  std::size_t capacity() const noexcept { return capacity_; }
  std::size_t depth() const noexcept { return depth_.load(std::memory_order_relaxed); }
  std::uint64_t pushed() const noexcept { return pushed_.load(std::memory_order_relaxed); }
  // How many pushes found the queue full and had to wait.
  std::uint64_t blocked() const noexcept { return blocked_.load(std::memory_order_relaxed); }

 private:
  std::optional<T> take(std::unique_lock<std::mutex>&) {
    if (items_.empty()) return std::nullopt;
    std::optional<T> item(std::move(items_.front()));
    items_.pop_front();
    depth_.store(items_.size(), std::memory_order_relaxed);
    not_full_.notify_one();
    return item;
  }

  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable not_empty_;
  std::condition_variable_any not_full_;  // waits with the producer's stop token
  std::deque<T> items_;
  bool closed_ = false;
  std::atomic<std::size_t> depth_{0};
  std::atomic<std::uint64_t> pushed_{0}, blocked_{0};
};

}  // namespace vigil::service
