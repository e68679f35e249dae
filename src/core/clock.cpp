#include "lifespan/core/clock.hpp"

namespace lifespan {
namespace {

class steady_clock_impl final : public clock {
 public:
  time_point now() const noexcept override { return std::chrono::steady_clock::now(); }
};

}  // namespace

std::shared_ptr<clock> steady() {
  static const auto instance = std::make_shared<steady_clock_impl>();
  return instance;
}

time_point manual_clock::now() const noexcept {
  std::lock_guard lock(mutex_);
  return now_;
}

void manual_clock::subscribe(std::function<void()> wake) {
  std::lock_guard lock(mutex_);
  subscribers_.push_back(std::move(wake));
}

void manual_clock::advance(duration d) {
  std::vector<std::function<void()>> wake;
  {
    std::lock_guard lock(mutex_);
    now_ += d;
    wake = subscribers_;
  }
  for (auto& w : wake) w();
}

}  // namespace lifespan
