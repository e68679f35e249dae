#include "lifespan/testing/harness.hpp"

namespace lifespan::testing {

harness::harness(service& svc) : svc_(svc) {
  svc_.on_event([this](const lifecycle_event& e) {
    {
      std::lock_guard lock(mutex_);
      events_.push_back(e);
    }
    changed_.notify_all();
  });
}

harness::~harness() {
  if (thread_.joinable()) {
    svc_.request_shutdown();
    thread_.join();
  }
}

void harness::start() {
  thread_ = std::thread([this] {
    const int code = svc_.run();
    {
      std::lock_guard lock(mutex_);
      exit_code_ = code;
    }
    changed_.notify_all();
  });
}

bool harness::wait_for(const predicate& done, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return done(events_); });
}

bool harness::wait_for_state(service_state s, std::chrono::milliseconds timeout) {
  return wait_for(
      [s](const std::vector<lifecycle_event>& events) {
        for (const auto& e : events)
          if (e.kind == event_kind::service_state_changed && e.state == s) return true;
        return false;
      },
      timeout);
}

bool harness::wait_for_event(event_kind kind, const std::string& component, std::chrono::milliseconds timeout) {
  return wait_for(
      [&](const std::vector<lifecycle_event>& events) {
        for (const auto& e : events)
          if (e.kind == kind && e.component == component) return true;
        return false;
      },
      timeout);
}

int harness::stop(int exit_code) {
  svc_.request_shutdown(exit_code);
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mutex_);
  return exit_code_.value_or(-1);
}

std::optional<int> harness::join(std::chrono::milliseconds timeout) {
  {
    std::unique_lock lock(mutex_);
    if (!changed_.wait_for(lock, timeout, [&] { return exit_code_.has_value(); })) return std::nullopt;
  }
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mutex_);
  return exit_code_;
}

std::vector<lifecycle_event> harness::events() const {
  std::lock_guard lock(mutex_);
  return events_;
}

std::vector<std::string> harness::components_with(event_kind kind) const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (const auto& e : events_)
    if (e.kind == kind) out.push_back(e.component);
  return out;
}

}  // namespace lifespan::testing
