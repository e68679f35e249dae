#pragma once
// What the data tests share: temporary directories, quiet service options, and a service running a
// database component (plus whatever the test adds) in the in-process harness.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lifespan/core/service.hpp"
#include "lifespan/data/database.hpp"
#include "lifespan/testing/harness.hpp"

#include "common/temp_dir.hpp"

namespace lifespan::test {

using namespace std::chrono_literals;

inline service_options quiet(std::vector<std::string> overrides = {}) {
  service_options o;
  o.own_signals = false;
  o.read_environment = false;
  o.install_logger = false;
  o.config_overrides = std::move(overrides);
  return o;
}

// Depends on T and hands the test a pointer to it while the service runs.
template <class T>
class grab : public component {
 public:
  explicit grab(std::shared_ptr<std::atomic<T*>> out) : out_(std::move(out)) {}
  void start(context& ctx) override { out_->store(&ctx.get<T>()); }
  void stop(time_point) override { out_->store(nullptr); }

 private:
  std::shared_ptr<std::atomic<T*>> out_;
};

// Every recorded event, one line each (for failure messages).
inline std::string dump(const testing::harness& h) {
  std::string all;
  for (const auto& e : h.events())
    all += std::string(to_string(e.kind)) + " " + e.component + " took=" +
           std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(e.took).count()) + "ms " + e.detail +
           "\n";
  return all;
}

inline data::database::options db_options(std::string url) {
  data::database::options o;
  o.url = std::move(url);
  o.pool_size = 2;
  o.connect_timeout = 3s;
  o.lease_timeout = 3s;
  o.health_cache = 50ms;
  o.reconnect_initial = 50ms;
  o.reconnect_max = 500ms;
  return o;
}

// A service with one database component "db" (critical) and a grab of it; started at construction.
struct db_service {
  explicit db_service(data::database::options o, std::shared_ptr<data::schema> s = nullptr,
                      std::vector<std::string> overrides = {})
      : svc("datatest", quiet(std::move(overrides))) {
    svc.add_factory<data::database>("db", [o, s] { return std::make_unique<data::database>(o, s); })
        .health_every(100ms, 5s);
    svc.add<grab<data::database>>("grab", handle).depends_on<data::database>();
    h.start();
    h.wait_for([](const std::vector<lifecycle_event>& events) {
      for (const auto& e : events)
        if ((e.kind == event_kind::component_up && e.component == "grab") ||
            (e.kind == event_kind::service_state_changed &&
             (e.state == service_state::error || e.state == service_state::stopped)))
          return true;
      return false;
    });
  }
  data::database* db() const { return handle->load(); }
  // The reason the database failed to start (empty when it did not fail).
  std::string failure() const {
    for (const auto& e : h.events())
      if (e.kind == event_kind::component_failed && e.component == "db") return e.detail;
    return {};
  }

  std::shared_ptr<std::atomic<data::database*>> handle = std::make_shared<std::atomic<data::database*>>(nullptr);
  service svc;
  testing::harness h{svc};
};

}  // namespace lifespan::test
