#pragma once
// The I/O pool's heartbeat behind /livez and the systemd watchdog. A timer on the pool's shared
// io_context stamps it every heartbeat_interval, and whichever I/O thread is free runs that timer's
// handler: the stamp says "the pool still runs handlers". It goes stale only when no I/O thread has run
// a handler for that long (every one busy or blocked, or the process starved), which is exactly when
// no connection is served any more. One slow handler, or one stuck thread, leaves it fresh: the other
// threads run the timer and serve every other connection as well.
//
// Threading: beat() from the pool; silent() and stalled() from any thread (one atomic load, no lock).
// The clock is injectable so that tests can move time by hand.
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>

#include "lifespan/core/clock.hpp"

namespace lifespan::http::detail {

class heartbeat {
 public:
  explicit heartbeat(std::shared_ptr<lifespan::clock> clock);  // construction counts as a beat

  void beat() noexcept;
  duration silent() const;  // since the last beat
  // silent(), when it is longer than `threshold`; nothing while the pool is alive.
  std::optional<duration> stalled(duration threshold) const;

 private:
  std::shared_ptr<lifespan::clock> clock_;
  std::atomic<std::int64_t> ticks_{0};  // the clock's time since its epoch, at the last beat
};

}  // namespace lifespan::http::detail
