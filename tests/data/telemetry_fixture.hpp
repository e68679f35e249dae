#pragma once
// A service with a database "db" and a telemetry store "telemetry" on it, in the harness.
#include <soci/soci.h>

#include <set>
#include <thread>

#include "fixture.hpp"
#include "lifespan/data/telemetry.hpp"

namespace lifespan::test {

inline data::telemetry_store::options telemetry_options(const std::filesystem::path& spool) {
  data::telemetry_store::options o;
  o.spool_dir = spool;
  o.batch_delay = 20ms;
  o.retry_initial = 20ms;
  o.retry_max = 300ms;
  return o;
}

struct telemetry_service {
  telemetry_service(data::database::options d, data::telemetry_store::options t) : svc("datatest", quiet()) {
    svc.add_factory<data::database>("db", [d] { return std::make_unique<data::database>(d); }).health_every(100ms, 5s);
    svc.add_factory<data::telemetry_store>("telemetry", [t] { return std::make_unique<data::telemetry_store>(t); })
        .depends_on<data::database>()
        .stop_timeout(30s)
        .health_every(100ms, 5s);
    svc.add<grab<data::telemetry_store>>("grab", store_handle).depends_on<data::telemetry_store>();
    svc.add<grab<data::database>>("grab_db", db_handle).depends_on<data::database>();
    h.start();
    // Both handles are set (each "grab" is up: they start independently of each other), or startup failed.
    h.wait_for([](const std::vector<lifecycle_event>& events) {
      int grabbed = 0;
      for (const auto& e : events) {
        if (e.kind == event_kind::component_up && (e.component == "grab" || e.component == "grab_db")) ++grabbed;
        if (e.kind == event_kind::service_state_changed && (e.state == service_state::error || e.state == service_state::stopped))
          return true;
      }
      return grabbed == 2;
    });
  }
  data::telemetry_store* store() const { return store_handle->load(); }
  data::database* db() const { return db_handle->load(); }
  std::string failure() const {
    for (const auto& e : h.events())
      if (e.kind == event_kind::component_failed) return e.component + ": " + e.detail;
    return {};
  }

  std::shared_ptr<std::atomic<data::telemetry_store*>> store_handle =
      std::make_shared<std::atomic<data::telemetry_store*>>(nullptr);
  std::shared_ptr<std::atomic<data::database*>> db_handle = std::make_shared<std::atomic<data::database*>>(nullptr);
  service svc;
  testing::harness h{svc};
};

struct event_counts {
  long long rows = 0;
  long long distinct_payloads = 0;
};

// Counts what is in telemetry_events, through a fresh database component.
inline event_counts count_events(const std::string& url) {
  db_service s(db_options(url));
  event_counts c;
  if (!s.db()) return c;
  *s.db()->reader() << "SELECT count(*), count(DISTINCT payload) FROM telemetry_events", soci::into(c.rows),
      soci::into(c.distinct_payloads);
  return c;
}

// True when `payloads` are all in the table (each exactly once) .
inline long long count_present(const std::string& url, const std::vector<std::string>& payloads) {
  db_service s(db_options(url));
  if (!s.db()) return -1;
  auto r = s.db()->reader();
  std::vector<std::string> all(200000);
  std::set<std::string> present;
  soci::statement st = (r->prepare << "SELECT payload FROM telemetry_events", soci::into(all));
  st.execute();
  while (st.fetch()) present.insert(all.begin(), all.end());
  long long n = 0;
  for (const auto& p : payloads) n += present.count(p);
  return n;
}

// Waits for `done` (polled), up to `timeout`.
template <class F>
bool eventually(F done, std::chrono::milliseconds timeout = 20s) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

}  // namespace lifespan::test
