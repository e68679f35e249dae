#include "service/status_feed.hpp"

#include <fmt/format.h>

#include "lifespan/config/duration.hpp"

namespace vigil::service {
namespace {

double ms(lifespan::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

nlohmann::json service_json(lifespan::service& svc) {
  const auto st = svc.status();
  auto components = nlohmann::json::array();
  for (const auto& c : st.components) {
    nlohmann::json j{{"name", c.name},
                     {"criticality", lifespan::to_string(c.criticality)},
                     {"state", lifespan::to_string(c.state)},
                     {"health", lifespan::to_string(c.health)},
                     {"reason", c.reason},
                     {"waiting_on", c.waiting_on}};
    j["in_state_ms"] = c.since != lifespan::time_point{} ? nlohmann::json(ms(st.now - c.since)) : nlohmann::json(nullptr);
    components.push_back(std::move(j));
  }
  return {{"state", lifespan::to_string(st.state)}, {"ready", svc.is_ready()}, {"degraded", st.degraded},
          {"components", std::move(components)}};
}

}  // namespace

nlohmann::json pipeline_json(const pipeline_stats& s) {
  return {{"lines_read", s.lines_read},         {"lines_analyzed", s.lines_analyzed},
          {"lines_stored", s.lines_stored},     {"malformed", s.malformed},
          {"alerts_stored", s.alerts_stored},   {"alerts_replayed", s.alerts_replayed},
          {"alerts_vetoed", s.alerts_vetoed},   {"commits", s.commits},               {"store_errors", s.store_errors},
          {"backpressure_waits", s.backpressure_waits},
          {"queues", {{"raw", s.raw_depth}, {"analyzed", s.analyzed_depth}, {"scored", s.scored_depth}}}};
}

status_feed::options status_feed::read_options(lifespan::config::section& section) {
  options o;
  o.interval = section.get<lifespan::config::duration>("interval", o.interval);
  if (o.interval < std::chrono::milliseconds(50))
    section.report("interval", fmt::format("must be at least 50ms, got {}", lifespan::config::format_duration(o.interval)),
                   "for example 1s");
  o.rate_window = section.get<lifespan::config::duration>("rate_window", o.rate_window);
  if (o.rate_window < o.interval)
    section.report("rate_window", "must be at least the interval", "for example 10s");
  return o;
}

status_feed::status_feed(options o, lifespan::service* svc) : options_(o), svc_(svc) {}

status_feed::~status_feed() = default;  // the jthread stops and joins

void status_feed::start(lifespan::context& ctx) {
  pipeline_ = ctx.optional<pipeline>();
  {
    auto first = build();
    std::lock_guard lock(mutex_);
    latest_ = std::move(first);
  }
  thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
}

void status_feed::stop(lifespan::time_point) {
  thread_.request_stop();
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::vector<std::shared_ptr<lifespan::http::event_stream>> open;
  {
    std::lock_guard lock(mutex_);
    open.swap(streams_);
  }
  for (auto& s : open) s->close();
}

nlohmann::json status_feed::build() {
  nlohmann::json status;
  sample now{std::chrono::steady_clock::now(), 0, 0};
  if (auto* p = pipeline_.get()) {
    const auto s = p->stats();
    status["mode"] = s.mode;
    status["pipeline"] = pipeline_json(s);
    now.lines = s.lines_read;
    now.alerts = s.alerts_stored;
  } else {
    status["mode"] = "rules";
    status["pipeline"] = nullptr;
  }
  rates r;
  {
    std::lock_guard lock(mutex_);
    samples_.push_back(now);
    while (samples_.size() > 2 && now.at - samples_[1].at >= options_.rate_window) samples_.pop_front();
    const auto& first = samples_.front();
    const double seconds = std::chrono::duration<double>(now.at - first.at).count();
    if (seconds > 0 && now.lines >= first.lines && now.alerts >= first.alerts) {
      r.seconds = seconds;
      r.lines_per_second = static_cast<double>(now.lines - first.lines) / seconds;
      r.alerts_per_second = static_cast<double>(now.alerts - first.alerts) / seconds;
    }
  }
  return {{"service", service_json(*svc_)},
          {"status", std::move(status)},
          {"rates", {{"lines_per_second", r.lines_per_second}, {"alerts_per_second", r.alerts_per_second}, {"seconds", r.seconds}}}};
}

void status_feed::run(std::stop_token stop) {
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, stop, options_.interval, [] { return false; })) {
    if (stop.stop_requested()) return;
    lock.unlock();
    auto event = build();
    const auto text = event.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    lock.lock();
    latest_ = std::move(event);
    std::erase_if(streams_, [&](const auto& s) { return !s->send("status", text); });
  }
}

void status_feed::subscribe(std::shared_ptr<lifespan::http::event_stream> stream) {
  std::lock_guard lock(mutex_);
  if (!latest_.is_null() && !stream->send("status", latest_.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)))
    return;
  streams_.push_back(std::move(stream));
}

status_feed::rates status_feed::current() const {
  std::lock_guard lock(mutex_);
  rates r;
  if (latest_.is_null()) return r;
  const auto& j = latest_["rates"];
  r.lines_per_second = j["lines_per_second"].get<double>();
  r.alerts_per_second = j["alerts_per_second"].get<double>();
  r.seconds = j["seconds"].get<double>();
  return r;
}

}  // namespace vigil::service
