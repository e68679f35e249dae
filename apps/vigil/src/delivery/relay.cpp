#include "delivery/relay.hpp"

#include <unistd.h>

#include <algorithm>
#include <utility>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "lifespan/config/duration.hpp"
#include "service/alert_store.hpp"

namespace vigil::delivery {
namespace {

using clock = std::chrono::steady_clock;

std::int64_t epoch_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string host_name() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0 || !host[0]) return "localhost";
  return host;
}

lifespan::duration positive(lifespan::config::section& s, const char* key, lifespan::duration fallback) {
  const auto d = s.get<lifespan::duration>(key, fallback);
  if (d <= lifespan::duration::zero()) {
    s.report(key, "must be a positive duration", "for example " + lifespan::config::format_duration(fallback));
    return fallback;
  }
  return d;
}

}  // namespace

relay_options relay_options::read(lifespan::config::section& s) {
  relay_options o;
  const auto batch = s.get<std::int64_t>("batch_size", static_cast<std::int64_t>(o.batch_size));
  if (batch < 1 || batch > 10000) s.report("batch_size", "must be between 1 and 10000 alerts", "for example 200");
  else o.batch_size = static_cast<std::size_t>(batch);
  o.max_backlog = s.get<std::int64_t>("max_backlog", o.max_backlog);
  if (o.max_backlog < 1) {
    s.report("max_backlog", "must be at least 1 alert", "for example 100000");
    o.max_backlog = 100000;
  }
  o.poll_interval = positive(s, "poll_interval", o.poll_interval);
  o.retry_initial = positive(s, "retry_initial", o.retry_initial);
  o.retry_max = positive(s, "retry_max", o.retry_max);
  if (o.retry_max < o.retry_initial) s.report("retry_max", "must not be shorter than retry_initial", "for example 30s");
  o.probe_interval = positive(s, "probe_interval", o.probe_interval);
  o.lease = positive(s, "lease", o.lease);
  return o;
}

nlohmann::json to_json(const relay_status& s) {
  return {{"destination", s.destination}, {"delivered", s.delivered},  {"backlog", s.backlog},
          {"skipped", s.skipped},         {"failures", s.failures},    {"delivering", s.holding},
          {"failing", s.failing},
          {"last_error", s.last_error.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.last_error)},
          {"last_error_at", s.last_error_at ? nlohmann::json(s.last_error_at) : nlohmann::json(nullptr)}};
}

relay::relay(alert_sink& sink, service::alert_store& store, relay_options o)
    : sink_(sink),
      store_(store),
      box_(store),
      options_(o),
      name_(sink.name()),
      holder_(o.holder.empty() ? host_name() : o.holder),
      backoff_(o.retry_initial) {
  status_.sink = name_;
  status_.destination = sink.describe();
}

relay::~relay() { stop(); }

void relay::start() {
  box_.register_sink(name_);
  count_backlog(true);
  thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
}

void relay::stop() {
  if (!thread_.joinable()) return;
  thread_.request_stop();
  {
    std::lock_guard lock(wait_mutex_);  // the waiting thread sees the stop before it sleeps again
  }
  wake_.notify_all();
  thread_.join();
}

void relay::wake() {
  {
    std::lock_guard lock(wait_mutex_);
    woken_ = true;
  }
  wake_.notify_all();
}

relay_status relay::status() const {
  std::lock_guard lock(mutex_);
  return status_;
}

std::optional<std::string> relay::problem() const {
  std::lock_guard lock(mutex_);
  if (!status_.failing) return std::nullopt;
  return fmt::format("{}: {} ({} alerts waiting)", status_.destination, status_.last_error, status_.backlog);
}

void relay::run(std::stop_token stop) {
  while (!stop.stop_requested()) {
    auto wake_at = clock::now() + options_.poll_interval;
    try {
      round(stop, wake_at);
    } catch (const std::exception& e) {
      // The outbox is unreachable (the database is down): the backlog is safe in it; try again later.
      failed(fmt::format("the outbox in the database: {}", store_.database().scrub(e.what())));
      renew_at_ = {};  // renew (or find lost) the lease first thing next round
      wake_at = clock::now() + backoff_;
      backoff_ = std::min(backoff_ * 2, options_.retry_max);
    }
    std::unique_lock lock(wait_mutex_);
    wake_.wait_until(lock, stop, wake_at, [this] { return std::exchange(woken_, false); });
  }
  if (renew_at_ == lifespan::time_point{}) return;  // never held
  try {
    box_.release(name_, holder_);
  } catch (const std::exception& e) {
    spdlog::warn("delivery to {}: releasing its lease failed ({}); another replica takes over when it expires in {}",
                 name_, e.what(), lifespan::config::format_duration(options_.lease));
  }
}

void relay::round(std::stop_token stop, lifespan::time_point& wake_at) {
  // Renew the lease when half of it is gone (a standby relay asks every round).
  if (clock::now() >= renew_at_) {
    const bool holding = box_.hold(name_, holder_, options_.lease);
    renew_at_ = holding ? clock::now() + options_.lease / 2 : lifespan::time_point{};
    std::lock_guard lock(mutex_);
    status_.holding = holding;
  }
  const bool counted = count_backlog(false);  // standing by too: /api/status shows the shared backlog
  if (renew_at_ == lifespan::time_point{}) return;  // another replica delivers this sink; stand by

  if (counted && status().backlog > options_.max_backlog) {
    if (const auto dropped = box_.trim(name_, options_.max_backlog); dropped > 0) {
      spdlog::warn("delivery to {}: the backlog exceeded max_backlog ({}): skipped the {} oldest undelivered alerts"
                   " (raise {}.max_backlog to keep more while it is unreachable)",
                   status_.destination, options_.max_backlog, dropped, name_);
      std::lock_guard lock(mutex_);
      status_.skipped += static_cast<std::uint64_t>(dropped);
      status_.backlog = std::max<std::int64_t>(0, status_.backlog - dropped);
    }
  }

  const auto now = clock::now();
  if (now < retry_at_) {  // backing off after a failure; the bound above still holds meanwhile
    wake_at = std::min(wake_at, retry_at_);
    return;
  }

  auto batch = box_.next(name_, options_.batch_size);
  if (!batch.orphans.empty()) {
    spdlog::warn("delivery to {}: {} queued alerts no longer exist in the store; dropped from the backlog", name_,
                 batch.orphans.size());
    box_.remove(batch.orphans);
  }
  if (batch.alerts.empty()) {
    if (!batch.orphans.empty()) wake_at = now;
    {
      std::lock_guard lock(mutex_);
      status_.backlog = 0;
    }
    if (now >= next_probe_) {
      next_probe_ = now + options_.probe_interval;
      std::string why;
      try {
        why = sink_.probe(stop);
      } catch (const std::exception& e) {
        why = e.what();
      }
      if (why.empty()) recovered();
      else failed(why);
    }
    return;
  }

  delivery_result result;
  try {
    result = sink_.deliver(batch.alerts, stop);
  } catch (const std::exception& e) {
    result = delivery_result::failed(0, e.what());
  }
  const std::size_t done = std::min(result.delivered, batch.alerts.size());
  const bool complete = done == batch.alerts.size();
  const bool reject = !complete && result.permanent;
  std::vector<std::int64_t> remove(batch.ids.begin(), batch.ids.begin() + static_cast<std::ptrdiff_t>(done + reject));
  box_.remove(remove);
  {
    std::lock_guard lock(mutex_);
    status_.delivered += done;
    status_.backlog = std::max<std::int64_t>(0, status_.backlog - static_cast<std::int64_t>(remove.size()));
    if (reject) ++status_.skipped;
  }
  if (reject)
    spdlog::warn("delivery to {}: alert {} was rejected and is skipped: {}", status_.destination,
                 batch.alerts[done].key, result.error.empty() ? "no reason given" : result.error);
  if (complete || reject) {
    if (complete) recovered();
    wake_at = now;  // more may be waiting: go on at once
    return;
  }
  failed(result.error.empty() ? "the sink delivered only part of the batch without saying why" : result.error);
  retry_at_ = now + backoff_;
  wake_at = retry_at_;
  backoff_ = std::min(backoff_ * 2, options_.retry_max);
}

bool relay::count_backlog(bool force) {
  const auto now = clock::now();
  if (!force && now - counted_at_ < options_.poll_interval) return false;
  counted_at_ = now;
  const auto n = box_.backlog(name_);
  std::lock_guard lock(mutex_);
  status_.backlog = n;
  return true;
}

void relay::failed(const std::string& why) {
  bool first = false, changed = false;
  {
    std::lock_guard lock(mutex_);
    first = !status_.failing;
    changed = status_.last_error != why;
    status_.failing = true;
    status_.last_error = why;
    status_.last_error_at = epoch_seconds();
    ++status_.failures;
  }
  if (first || changed)  // once per outage (and per new cause), not once per retry
    spdlog::warn("delivery to {} fails: {}; alerts stay in the backlog and are delivered when it is back"
                 " (retrying with backoff up to {})",
                 status_.destination, why, lifespan::config::format_duration(options_.retry_max));
}

void relay::recovered() {
  backoff_ = options_.retry_initial;
  retry_at_ = {};
  bool was_failing = false;
  {
    std::lock_guard lock(mutex_);
    was_failing = status_.failing;
    status_.failing = false;
  }
  if (was_failing) spdlog::info("delivery to {} works again", status_.destination);
}

}  // namespace vigil::delivery
