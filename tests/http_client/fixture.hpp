#pragma once
// The client tests' shared pieces: a service running the real lifecycle (harness) with the client
// component configured through --set-style overrides, plus a collector of callbacks a test awaits.
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "lifespan/http_client/client.hpp"
#include "lifespan/testing/harness.hpp"
#include "receiver.hpp"

namespace lifespan::http_client::testing {

using namespace std::chrono_literals;

// Hands the client instance to the test once the runtime started it.
class grab final : public component {
 public:
  explicit grab(client** out) : out_(out) {}
  void start(context& ctx) override { *out_ = &ctx.get<client>(); }

 private:
  client** out_;
};

// A service named "hooks" with the client as "http_client" (config section http_client.*), running.
class running_client {
 public:
  explicit running_client(std::vector<std::string> overrides = {}) : svc_("hooks", quiet(std::move(overrides))) {
    svc_.add<client>("http_client", &svc_);
    svc_.add_factory<grab>("grab", [this] { return std::make_unique<grab>(&client_); }).depends_on<client>();
    harness_.start();
    if (!harness_.wait_for_state(service_state::running)) throw std::runtime_error("service did not reach RUNNING");
  }
  ~running_client() {
    if (!stopped_) harness_.stop();
  }
  // The runtime's own shutdown; its exit code (3 when a stop overran its stop_timeout).
  int stop() {
    stopped_ = true;
    return harness_.stop();
  }

  client& get() { return *client_; }
  service& svc() { return svc_; }

 private:
  static service_options quiet(std::vector<std::string> overrides) {
    service_options o;
    o.own_signals = false;
    o.read_environment = false;
    o.install_logger = false;
    o.config_overrides = std::move(overrides);
    return o;
  }
  service svc_;
  lifespan::testing::harness harness_{svc_};
  client* client_ = nullptr;
  bool stopped_ = false;
};

// Callbacks land here (on the client's thread); the test waits for them instead of sleeping.
class inbox {
 public:
  client::callback callback() {
    return [this](response r) {
      {
        std::lock_guard lock(mutex_);
        responses_.push_back(std::move(r));
      }
      changed_.notify_all();
    };
  }
  bool wait_for(std::size_t n, std::chrono::milliseconds timeout = 20s) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return responses_.size() >= n; });
  }
  std::vector<response> all() {
    std::lock_guard lock(mutex_);
    return responses_;
  }
  std::size_t size() {
    std::lock_guard lock(mutex_);
    return responses_.size();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<response> responses_;
};

// One request, awaited.
inline response call(client& c, request r) {
  auto f = c.fetch(std::move(r));
  if (f.wait_for(20s) != std::future_status::ready) {
    response timed_out;
    timed_out.error = "test: no callback within 20s";
    return timed_out;
  }
  return f.get();
}

}  // namespace lifespan::http_client::testing
