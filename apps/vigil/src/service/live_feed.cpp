#include "service/live_feed.hpp"

#include <algorithm>

#include "service/pipeline.hpp"

namespace vigil::service {

nlohmann::json alert_json(const alert& a) {
  nlohmann::json j{{"id", a.seq},        {"key", a.key},       {"time", a.time},         {"client", a.client},
                   {"country", a.country}, {"method", a.method}, {"path", a.path},         {"status", a.status},
                   {"user_agent", a.user_agent}, {"rules", a.rule_ids}, {"categories", a.categories},
                   {"severity", severity_name(a.level)}, {"mode", a.mode}, {"kind", a.kind}, {"file", a.file},
                   {"offset", a.offset}};
  j["model_score"] = a.model_score ? nlohmann::json(*a.model_score) : nlohmann::json(nullptr);
  j["proxy"] = a.proxy;
  j["anomaly_score"] = a.anomaly_score ? nlohmann::json(*a.anomaly_score) : nlohmann::json(nullptr);
  j["crs"] = a.crs.empty() ? nlohmann::json(nullptr) : nlohmann::json::parse(a.crs, nullptr, false);
  return j;
}

live_feed::options live_feed::read_options(lifespan::config::section& section) {
  options o;
  const auto backlog = section.get<std::int64_t>("backlog", static_cast<std::int64_t>(o.backlog));
  if (backlog < 0) section.report("backlog", "must not be negative", "for example 1000");
  o.backlog = static_cast<std::size_t>(std::max<std::int64_t>(backlog, 0));
  // The dashboard's directory: read when the service is assembled (service_main.cpp, read_layout), named
  // here so the configuration check knows the key.
  section.get<std::string>("web_dir", "");
  return o;
}

void live_feed::start(lifespan::context& ctx) {
  pipeline_ = &ctx.get<pipeline>();
  pipeline_->on_commit([this](const std::vector<alert>& alerts, std::uint64_t) { publish(alerts); });
}

void live_feed::stop(lifespan::time_point) {
  if (pipeline_) pipeline_->on_commit({});
  std::vector<std::shared_ptr<lifespan::http::event_stream>> open;
  {
    std::lock_guard lock(mutex_);
    open.swap(streams_);
  }
  for (auto& s : open) s->close();
}

void live_feed::publish(const std::vector<alert>& alerts) {
  if (alerts.empty()) return;
  std::vector<std::pair<std::string, std::string>> events;
  events.reserve(alerts.size());
  for (const auto& a : alerts)
    events.emplace_back(a.key, alert_json(a).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  std::lock_guard lock(mutex_);
  for (auto& e : events) {
    std::erase_if(streams_, [&](const auto& s) { return !s->send("alert", e.second, e.first); });
    backlog_.push_back(std::move(e));
    if (backlog_.size() > options_.backlog) backlog_.pop_front();
  }
}

void live_feed::subscribe(std::shared_ptr<lifespan::http::event_stream> stream, std::optional<std::string> last_event_id) {
  std::lock_guard lock(mutex_);
  if (last_event_id) {
    auto it = std::find_if(backlog_.begin(), backlog_.end(), [&](const auto& e) { return e.first == *last_event_id; });
    if (it != backlog_.end())
      for (++it; it != backlog_.end(); ++it)
        if (!stream->send("alert", it->second, it->first)) return;
  }
  stream->comment("vigil alert stream");  // lets the client see the stream open before the first alert
  streams_.push_back(std::move(stream));
}

std::size_t live_feed::subscribers() const {
  std::lock_guard lock(mutex_);
  return streams_.size();
}

}  // namespace vigil::service
