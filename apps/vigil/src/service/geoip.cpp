#include "service/geoip.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <utility>

#include "service/pipeline.hpp"

namespace vigil::service {

geoip::options geoip::read_options(lifespan::config::section& section) {
  options o;
  // A missing or corrupt file is not a configuration error: the service starts degraded and the
  // component retries, so a database installed later is picked up without a restart.
  o.path = section.get<std::string>("path", "");
  o.check_interval = section.get<lifespan::duration>("check_interval", o.check_interval);
  if (o.check_interval < lifespan::duration::zero())
    section.report("check_interval", "must not be negative", "30s; 0s never checks the file for a replacement");
  return o;
}

geoip::~geoip() { stop({}); }

namespace {
std::string describe(const geo_database& db) {
  const auto built = std::chrono::system_clock::time_point(std::chrono::seconds(db.build_epoch()));
  return fmt::format("'{}' ({}, built {:%Y-%m-%d})", db.path().string(), db.database_type(),
                     std::chrono::floor<std::chrono::days>(built));
}
}  // namespace

void geoip::start(lifespan::context& ctx) {
  pipeline_ = &ctx.get<pipeline>();
  std::lock_guard lock(mutex_);
  if (options_.path.empty()) {
    spdlog::info("geoip: disabled (geoip.path is not set): alerts carry no country");
  } else {
    auto db = geo_database::open(options_.path);  // throws geo_error: the start fails and is retried
    spdlog::info("geoip: countries from {}", describe(*db));
    publish_locked(std::move(db));
  }
  watcher_ = std::jthread([this](std::stop_token stop) { watch(stop); });
}

void geoip::stop(lifespan::time_point) {
  if (watcher_.joinable()) {
    watcher_.request_stop();
    watcher_.join();
  }
  std::lock_guard lock(mutex_);
  if (pipeline_ && db_) pipeline_->set_country_lookup(nullptr);  // batches in progress keep their snapshot
  db_.reset();
}

void geoip::publish_locked(std::shared_ptr<const geo_database> db) {
  db_ = std::move(db);
  if (pipeline_) pipeline_->set_country_lookup(db_);
}

std::string geoip::refresh_locked(bool force) {
  if (options_.path.empty()) return {};
  const auto now = identify(options_.path);
  if (!force && db_ && db_->path() == options_.path && db_->identity() == now) {
    refresh_error_.clear();  // back to the file being served (a bad replacement was undone)
    return {};
  }
  if (!force && now == failed_identity_) return refresh_error_;  // the same bad file: not again
  try {
    auto db = geo_database::open(options_.path);
    spdlog::info("geoip: {} countries from {}", db_ ? "now" : "from now on", describe(*db));
    publish_locked(std::move(db));
    refresh_error_.clear();
    failed_identity_ = {};
    return {};
  } catch (const geo_error& e) {
    failed_identity_ = now;
    refresh_error_ = db_ ? fmt::format("{}; still serving {}", e.what(), db_->path().string()) : e.what();
    return refresh_error_;
  }
}

void geoip::watch(std::stop_token stop) {
  std::unique_lock lock(mutex_);
  std::string reported;
  while (!stop.stop_requested()) {
    const auto interval = options_.check_interval > lifespan::duration::zero() ? options_.check_interval
                                                                               : lifespan::duration(std::chrono::hours(24));
    wake_.wait_for(lock, stop, interval, [&] { return std::exchange(kicked_, false); });
    if (stop.stop_requested()) break;
    if (options_.check_interval <= lifespan::duration::zero()) continue;
    const auto error = refresh_locked(false);
    if (!error.empty() && error != reported) spdlog::warn("{}", error);
    reported = error;
  }
}

bool geoip::reload(lifespan::config::section& section) {
  const auto next = read_options(section);
  std::lock_guard lock(mutex_);
  const auto previous = options_;
  options_ = next;
  if (options_.path.empty()) {
    if (db_) spdlog::info("geoip: disabled by the new configuration (geoip.path removed): alerts carry no country");
    if (pipeline_) pipeline_->set_country_lookup(nullptr);
    db_.reset();
    refresh_error_.clear();
  } else {
    // SIGHUP re-reads the file even when unchanged: the operator asked for it.
    const auto error = refresh_locked(true);
    if (!error.empty()) {
      if (previous.path != options_.path) {  // the old path's state stands; a same-path failure stays reported
        refresh_error_.clear();
        failed_identity_ = {};
      }
      options_ = previous;
      throw geo_error(db_ ? fmt::format("{} (the new path is not applied)", error) : error);
    }
  }
  kicked_ = true;
  wake_.notify_all();
  return true;
}

std::optional<lifespan::health_report> geoip::check_health(std::stop_token) {
  std::lock_guard lock(mutex_);
  if (!refresh_error_.empty()) return lifespan::health_report::degraded(refresh_error_);
  return lifespan::health_report::ok();
}

std::shared_ptr<const geo_database> geoip::database() const {
  std::lock_guard lock(mutex_);
  return db_;
}

}  // namespace vigil::service
