#pragma once
// The pipeline's reorder point: the detect workers put their results in any order, each under the
// sequence number its raw batch got when it was taken (0, 1, 2, ... with no gaps); one consumer takes
// them strictly in that order. Bounded: a put more than `window` ahead of the next to take waits. The
// worker holding the next number never waits, so this cannot deadlock as long as every number taken
// is put (a worker always puts what it took) and the consumer keeps taking.
//
// close() is called once every producer is done (after its last put); take() then returns what is
// left in order and, at the first missing number, nullopt.
//
// Thread-safety: put() from any number of threads, take() from one, depth() from any.
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

namespace vigil::service {

template <class T>
class reorder_buffer {
 public:
  explicit reorder_buffer(std::size_t window) : slots_(window == 0 ? 1 : window) {}

  std::size_t window() const noexcept { return slots_.size(); }

  // Blocks while `sequence` is `window` or more ahead of the next number to take.
  void put(std::uint64_t sequence, T item) {
    std::unique_lock lock(mutex_);
    room_.wait(lock, [&] { return sequence < next_ + slots_.size(); });
    slots_[sequence % slots_.size()].emplace(std::move(item));
    depth_.fetch_add(1, std::memory_order_relaxed);
    if (sequence == next_) ready_.notify_one();
  }

  // Blocks until the next number is there; nullopt once closed and it never will be.
  std::optional<T> take() {
    std::unique_lock lock(mutex_);
    auto& slot = slots_[next_ % slots_.size()];
    ready_.wait(lock, [&] { return slot.has_value() || closed_; });
    if (!slot) return std::nullopt;
    std::optional<T> item(std::move(slot));
    slot.reset();
    ++next_;
    depth_.fetch_sub(1, std::memory_order_relaxed);
    room_.notify_all();  // the worker that may now put can be any of the waiting ones
    return item;
  }

  void close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    ready_.notify_all();
  }

  // Results waiting (done by a worker, not yet taken).
  std::size_t depth() const noexcept { return depth_.load(std::memory_order_relaxed); }

 private:
  std::mutex mutex_;
  std::condition_variable ready_, room_;
  std::vector<std::optional<T>> slots_;  // slot of number n: n % window
  std::uint64_t next_ = 0;
  bool closed_ = false;
  std::atomic<std::size_t> depth_{0};
};

}  // namespace vigil::service
