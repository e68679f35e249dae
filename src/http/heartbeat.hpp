#pragma once
// The event-loop heartbeat behind /livez: each I/O loop stamps its own slot from a periodic timer, so
// a loop that is blocked (a handler that never returns, a starved thread) stops stamping. A probe on
// any thread compares the stamps with the clock: one atomic load per loop, no lock, no allocation
// unless something is stalled. The clock is injectable so that tests can move time by hand.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "lifespan/core/clock.hpp"

namespace lifespan::http::detail {

class heartbeat {
 public:
  // Every loop counts as having beaten at construction.
  heartbeat(std::size_t loops, std::shared_ptr<lifespan::clock> clock);

  std::size_t loops() const noexcept { return count_; }
  void beat(std::size_t loop) noexcept;  // from that loop's thread

  struct stall {
    std::size_t loop;
    duration silent;  // since its last beat
  };
  // Loops whose last beat is older than `threshold`; empty when all are alive. Any thread.
  std::vector<stall> stalled(duration threshold) const;

 private:
  struct alignas(64) stamp {
    std::atomic<std::int64_t> ticks{0};  // clock's time since its epoch
  };
  std::shared_ptr<lifespan::clock> clock_;
  std::size_t count_;
  std::unique_ptr<stamp[]> stamps_;
};

}  // namespace lifespan::http::detail
