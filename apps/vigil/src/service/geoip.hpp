#pragma once
// The GeoIP component (background, optional; requires the pipeline): gives the pipeline a country
// lookup over a MaxMind DB file, configuration section `geoip`:
//   path            the .mmdb file (GeoLite2-Country or any database with country.iso_code). Absent or
//                   empty: GeoIP is disabled — the component is up and healthy, alerts carry no country.
//   check_interval  how often the file is checked for a replacement (default 30s; 0s: never).
//
// States:
//  - path set but the file missing, unreadable or corrupt: start() fails naming the file, the cause
//    and the fix, so the service runs degraded and alerts carry no country. The runtime retries the
//    start with backoff (geoip.retry_initial / geoip.retry_max, 200ms doubling to 30s by default), so a
//    database that appears later is picked up within retry_max without a restart.
//  - up: every alert gets the country of its client (looked up once per alert on the pipeline's
//    score thread, never per line).
//  - the file replaced (noticed every check_interval) or SIGHUP (path changed or file replaced): the
//    new file is opened and swapped in; lookups in progress finish on the old one, which is closed
//    when the last of them lets go. A replacement that fails to open keeps the old database serving
//    and reports degraded until a good file is in place; on SIGHUP it rejects the reload.
//
// Thread-safety: the watcher thread and the reload hook serialise on one mutex; check_health reads
// under it. stop() hands the pipeline nullptr and joins the watcher.
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>

#include "lifespan/config/config.hpp"
#include "lifespan/core/component.hpp"
#include "service/geo_database.hpp"

namespace vigil::service {

class pipeline;

class geoip : public lifespan::component {
 public:
  struct options {
    std::filesystem::path path;  // empty: disabled
    lifespan::duration check_interval = std::chrono::seconds(30);
  };
  static options read_options(lifespan::config::section& section);

  explicit geoip(options o) : options_(std::move(o)) {}
  ~geoip() override;

  void start(lifespan::context& ctx) override;
  void stop(lifespan::time_point deadline) override;
  std::optional<lifespan::health_report> check_health(std::stop_token cancel) override;
  bool reload(lifespan::config::section& section) override;

  // The database in use (nullptr while disabled). Any thread.
  std::shared_ptr<const geo_database> database() const;

 private:
  void watch(std::stop_token stop);
  // Opens options_.path when its identity differs from the serving one; keeps the old on failure.
  // Caller holds mutex_. Returns the error text, empty on success or when nothing changed.
  std::string refresh_locked(bool force);
  void publish_locked(std::shared_ptr<const geo_database> db);

  options options_;
  pipeline* pipeline_ = nullptr;
  mutable std::mutex mutex_;
  std::shared_ptr<const geo_database> db_;  // guarded by mutex_
  std::string refresh_error_;               // last failed replacement, guarded by mutex_
  file_identity failed_identity_;           // the file that failed, not retried until it changes
  bool kicked_ = false;                     // reload changed the options: the watcher re-reads them
  std::condition_variable_any wake_;
  std::jthread watcher_;
};

}  // namespace vigil::service
