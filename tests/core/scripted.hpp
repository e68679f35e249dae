#pragma once
// A component whose behaviour a test scripts, and a journal of every hook call across components.
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "lifespan/core/service.hpp"

namespace lifespan::test {

// Every hook call as "start:a", "stop:a", ...; thread-safe.
class journal {
 public:
  void add(std::string line) {
    std::lock_guard lock(mutex_);
    lines_.push_back(std::move(line));
  }
  std::vector<std::string> lines() const {
    std::lock_guard lock(mutex_);
    return lines_;
  }
  long index_of(const std::string& line) const {
    std::lock_guard lock(mutex_);
    auto it = std::find(lines_.begin(), lines_.end(), line);
    return it == lines_.end() ? -1 : it - lines_.begin();
  }
  int count(const std::string& line) const {
    std::lock_guard lock(mutex_);
    return static_cast<int>(std::count(lines_.begin(), lines_.end(), line));
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> lines_;
};

struct script {
  int fail_attempts = 0;          // the first N starts throw
  bool hang_until_cancelled = false;  // start blocks until its stop token fires, then throws
  bool ignore_cancel = false;     // with hang: keep blocking until `release` (tests abandoned hooks)
  bool hang_stop = false;         // stop blocks until `release`
  std::optional<health_report> health;  // what check_health returns (nullopt: no check)
  std::shared_ptr<std::atomic<bool>> release = std::make_shared<std::atomic<bool>>(false);
  std::shared_ptr<std::atomic<int>> starts = std::make_shared<std::atomic<int>>(0);
  std::shared_ptr<std::mutex> health_mutex = std::make_shared<std::mutex>();
};

class scripted : public component {
 public:
  scripted(std::shared_ptr<journal> j, std::string name, std::shared_ptr<script> s)
      : journal_(std::move(j)), name_(std::move(name)), script_(std::move(s)) {}

  void start(context& ctx) override {
    journal_->add("start:" + name_);
    const int attempt = ++*script_->starts;
    if (script_->hang_until_cancelled) {
      std::mutex m;
      std::condition_variable_any cv;
      std::unique_lock lock(m);
      if (script_->ignore_cancel) {
        while (!*script_->release) cv.wait_for(lock, std::chrono::milliseconds(5));
      } else {
        cv.wait(lock, ctx.stop_token(), [] { return false; });
      }
      journal_->add("cancelled:" + name_);
      throw std::runtime_error("cancelled");
    }
    if (attempt <= script_->fail_attempts) throw std::runtime_error("scripted failure " + std::to_string(attempt));
  }

  void stop(time_point) override {
    journal_->add("stop:" + name_);
    while (script_->hang_stop && !*script_->release) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }

  std::optional<health_report> check_health(std::stop_token) override {
    std::lock_guard lock(*script_->health_mutex);
    return script_->health;
  }

  void set_health(std::optional<health_report> h) {
    std::lock_guard lock(*script_->health_mutex);
    script_->health = std::move(h);
  }

 private:
  std::shared_ptr<journal> journal_;
  std::string name_;
  std::shared_ptr<script> script_;
};

// Registers a scripted component named `name`; returns its builder and script.
inline std::pair<component_builder, std::shared_ptr<script>> add_scripted(service& svc, const std::shared_ptr<journal>& j,
                                                                          const std::string& name, script s = {}) {
  auto shared = std::make_shared<script>(std::move(s));
  auto b = svc.add_factory<scripted>(name, [j, name, shared] { return std::make_unique<scripted>(j, name, shared); });
  return {b, shared};
}

inline service_options quiet_options(std::shared_ptr<lifespan::clock> clock = nullptr) {
  service_options o;
  o.own_signals = false;
  o.read_environment = false;
  o.install_logger = false;
  o.clock = std::move(clock);
  return o;
}

}  // namespace lifespan::test
