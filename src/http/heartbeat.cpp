#include "heartbeat.hpp"

namespace lifespan::http::detail {

heartbeat::heartbeat(std::shared_ptr<lifespan::clock> clock) : clock_(std::move(clock)) { beat(); }

void heartbeat::beat() noexcept { ticks_.store(clock_->now().time_since_epoch().count(), std::memory_order_relaxed); }

duration heartbeat::silent() const {
  return duration{clock_->now().time_since_epoch().count() - ticks_.load(std::memory_order_relaxed)};
}

std::optional<duration> heartbeat::stalled(duration threshold) const {
  const auto s = silent();
  if (s > threshold) return s;
  return std::nullopt;
}

}  // namespace lifespan::http::detail
