#pragma once
// The runtime's notion of time. Production uses the steady clock; tests inject a manual clock and
// move it by hand, so timeouts, retries and the startup deadline can be tested without sleeping.
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace lifespan {

using time_point = std::chrono::steady_clock::time_point;
using duration = std::chrono::steady_clock::duration;

class clock {
 public:
  virtual ~clock() = default;
  virtual time_point now() const noexcept = 0;
  // A manual clock calls `wake` after every jump, so a waiting runtime re-reads its timers.
  // The real clock never jumps, so the runtime waits on it with ordinary timed waits.
  virtual bool is_manual() const noexcept { return false; }
  virtual void subscribe(std::function<void()> wake) { (void)wake; }
};

// The process-wide steady clock.
std::shared_ptr<clock> steady();

// A clock that only moves when told to. Thread-safe.
class manual_clock final : public clock {
 public:
  explicit manual_clock(time_point start = time_point{} + std::chrono::hours(1)) : now_(start) {}

  time_point now() const noexcept override;
  bool is_manual() const noexcept override { return true; }
  void subscribe(std::function<void()> wake) override;

  void advance(duration d);

 private:
  mutable std::mutex mutex_;
  time_point now_;
  std::vector<std::function<void()>> subscribers_;
};

}  // namespace lifespan
