#pragma once
// The bounded queue between record() and the writer: many producers, one consumer, no lock on either
// side (Vyukov's bounded queue: each cell carries a sequence number saying whose turn it is).
//
// Closing sets a bit in the enqueue position, so no producer can claim a cell afterwards; cells claimed
// before are still published, and the consumer waits for them (drained() tells when all are taken).
// That makes "accepted before close" exactly "taken by the consumer", without a counter on the hot path.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <stdexcept>

namespace lifespan::data {

template <class T>
class event_queue {
 public:
  static constexpr std::uint64_t closed_bit = std::uint64_t{1} << 63;

  explicit event_queue(std::size_t capacity) {
    std::size_t size = 2;
    while (size < capacity) size <<= 1;
    mask_ = size - 1;
    cells_ = std::make_unique<cell[]>(size);
    for (std::size_t i = 0; i < size; ++i) cells_[i].sequence.store(i, std::memory_order_relaxed);
  }

  std::size_t capacity() const noexcept { return mask_ + 1; }

  enum class push_result { ok, full, closed };

  // `value` is moved from only on ok; stamp(cell_value, position) runs before the cell is published
  // (position: unique and increasing per queue).
  template <class Stamp>
  push_result try_push(T& value, Stamp&& stamp) {
    std::uint64_t pos = enqueue_.load(std::memory_order_relaxed);
    for (;;) {
      if (pos & closed_bit) return push_result::closed;
      cell& c = cells_[pos & mask_];
      const std::uint64_t seq = c.sequence.load(std::memory_order_acquire);
      const auto diff = static_cast<std::int64_t>(seq - pos);
      if (diff == 0) {
        if (enqueue_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) {
          c.value = std::move(value);
          stamp(c.value, pos);
          c.sequence.store(pos + 1, std::memory_order_release);
          return push_result::ok;
        }
      } else if (diff < 0) {
        return push_result::full;
      } else {
        pos = enqueue_.load(std::memory_order_relaxed);
      }
    }
  }

  // Consumer only.
  bool try_pop(T& out) {
    cell& c = cells_[dequeue_ & mask_];
    if (c.sequence.load(std::memory_order_acquire) != dequeue_ + 1) return false;
    out = std::move(c.value);
    c.sequence.store(dequeue_ + mask_ + 1, std::memory_order_release);
    ++dequeue_;
    dequeued_.store(dequeue_, std::memory_order_release);
    return true;
  }

  void close() { enqueue_.fetch_or(closed_bit, std::memory_order_acq_rel); }
  bool closed() const { return enqueue_.load(std::memory_order_acquire) & closed_bit; }
  // Consumer only: closed, and every claimed cell has been taken.
  bool drained() const {
    const std::uint64_t e = enqueue_.load(std::memory_order_acquire);
    return (e & closed_bit) && (e & ~closed_bit) == dequeue_;
  }
  // Approximate from any thread.
  std::size_t depth() const {
    const std::uint64_t e = enqueue_.load(std::memory_order_relaxed) & ~closed_bit;
    const std::uint64_t d = dequeued_.load(std::memory_order_relaxed);
    return e > d ? static_cast<std::size_t>(e - d) : 0;
  }
  std::uint64_t consumed() const { return dequeue_; }  // consumer only
  std::uint64_t claimed() const { return enqueue_.load(std::memory_order_relaxed) & ~closed_bit; }

 private:
  struct cell {
    std::atomic<std::uint64_t> sequence;
    T value;
  };
  std::unique_ptr<cell[]> cells_;
  std::size_t mask_ = 0;
  alignas(64) std::atomic<std::uint64_t> enqueue_{0};
  alignas(64) std::uint64_t dequeue_ = 0;  // consumer-owned
  std::atomic<std::uint64_t> dequeued_{0};  // published copy for depth()
};

}  // namespace lifespan::data
