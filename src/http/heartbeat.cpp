#include "heartbeat.hpp"

namespace lifespan::http::detail {

heartbeat::heartbeat(std::size_t loops, std::shared_ptr<lifespan::clock> clock)
    : clock_(std::move(clock)), count_(loops), stamps_(std::make_unique<stamp[]>(loops)) {
  const auto now = clock_->now().time_since_epoch().count();
  for (std::size_t i = 0; i < count_; ++i) stamps_[i].ticks.store(now, std::memory_order_relaxed);
}

void heartbeat::beat(std::size_t loop) noexcept {
  stamps_[loop].ticks.store(clock_->now().time_since_epoch().count(), std::memory_order_relaxed);
}

std::vector<heartbeat::stall> heartbeat::stalled(duration threshold) const {
  std::vector<stall> out;
  const auto now = clock_->now().time_since_epoch().count();
  for (std::size_t i = 0; i < count_; ++i) {
    const duration silent{now - stamps_[i].ticks.load(std::memory_order_relaxed)};
    if (silent > threshold) out.push_back({i, silent});
  }
  return out;
}

}  // namespace lifespan::http::detail
