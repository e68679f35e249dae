#pragma once
// Runs a service's real lifecycle in-process, for tests: the same run() as production, on a thread
// of its own, with every lifecycle event recorded so a test can wait for one instead of sleeping.
// With a manual clock (service_options::clock) a test moves time by hand and waits for the events
// that follow.
//
// Lifetime: construct after registering components and before start(); the harness must not outlive
// the service. Destroying a started harness requests shutdown and waits for run() to return.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "lifespan/core/service.hpp"

namespace lifespan::testing {

class harness {
 public:
  using predicate = std::function<bool(const std::vector<lifecycle_event>&)>;

  explicit harness(service& svc);
  ~harness();
  harness(const harness&) = delete;
  harness& operator=(const harness&) = delete;

  void start();  // run() on a background thread

  // Real-time waits (a manual clock does not affect them); false on timeout.
  bool wait_for(const predicate& done, std::chrono::milliseconds timeout = std::chrono::seconds(20));
  bool wait_for_state(service_state s, std::chrono::milliseconds timeout = std::chrono::seconds(20));
  bool wait_for_event(event_kind kind, const std::string& component,
                      std::chrono::milliseconds timeout = std::chrono::seconds(20));

  // request_shutdown(code), then wait for run() to return and give its exit code.
  int stop(int exit_code = 0);
  // Wait for run() to return by itself (after a failed startup, say).
  std::optional<int> join(std::chrono::milliseconds timeout = std::chrono::seconds(20));

  std::vector<lifecycle_event> events() const;
  // Names of the components with events of `kind`, in the order they happened.
  std::vector<std::string> components_with(event_kind kind) const;

 private:
  service& svc_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<lifecycle_event> events_;
  std::optional<int> exit_code_;
  std::thread thread_;
};

}  // namespace lifespan::testing
