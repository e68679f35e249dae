#include "delivery/webhook_sink.hpp"

#include <fmt/format.h>

#include "lifespan/http_client/client.hpp"
#include "service/live_feed.hpp"

namespace vigil::delivery {

namespace hc = lifespan::http_client;

std::string redacted_url(std::string_view url) {
  const auto scheme_end = url.find("://");
  const std::size_t start = scheme_end == std::string_view::npos ? 0 : scheme_end + 3;
  std::string_view rest = url.substr(start);
  rest = rest.substr(0, rest.find_first_of("?#"));
  std::string_view authority = rest.substr(0, rest.find('/'));
  const std::string_view path = rest.substr(authority.size());
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) authority = authority.substr(at + 1);
  return fmt::format("{}{}{}", url.substr(0, start), authority, path);
}

std::string webhook_sink::sink_name(std::string_view endpoint) {
  return endpoint.empty() ? std::string("webhook") : fmt::format("webhook:{}", endpoint);
}

std::string webhook_sink::describe() const {
  if (options_.endpoint.empty()) return "webhook POST " + redacted_url(options_.url);
  return fmt::format("webhook {} POST {}", options_.endpoint, redacted_url(options_.url));
}

std::string webhook_sink::body_of(std::span<const alert> alerts) const {
  nlohmann::json body;
  if (options_.one_per_post && alerts.size() == 1) {
    body = service::alert_json(alerts.front());
  } else {
    body = nlohmann::json::array();
    for (const auto& a : alerts) body.push_back(service::alert_json(a));
  }
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

webhook_sink::posted webhook_sink::post(std::span<const alert> alerts, std::stop_token stop) {
  auto req = hc::request::post(options_.url, body_of(alerts));
  req.headers.insert(req.headers.end(), options_.headers.begin(), options_.headers.end());
  req.connect_timeout = options_.connect_timeout;
  req.timeout = options_.timeout;
  req.max_attempts = options_.max_attempts;
  auto future = http_.fetch(std::move(req));

  // The client ends every attempt within `timeout`; this bound only guards against a client that
  // does not answer at all.
  const auto attempts = std::max(1, options_.max_attempts);
  const auto limit = std::chrono::steady_clock::now() + (options_.timeout + http_.config().backoff_max) * attempts +
                     std::chrono::seconds(1);
  while (future.wait_for(std::chrono::milliseconds(50)) != std::future_status::ready) {
    if (stop.stop_requested()) return {verdict::failed, "stopping"};
    if (std::chrono::steady_clock::now() > limit)
      return {verdict::failed, fmt::format("POST {}: the HTTP client gave no answer in time", redacted_url(options_.url))};
  }
  const auto r = future.get();
  if (r.ok()) return {verdict::ok, {}};
  auto why = r.error.empty() ? fmt::format("POST {}: {}", redacted_url(options_.url), hc::to_string(r.outcome)) : r.error;
  if (r.outcome == hc::outcome::http_error && r.status >= 400 && r.status < 500 && r.status != 408 && r.status != 429)
    return {verdict::rejected, std::move(why)};
  if (r.outcome == hc::outcome::http_error && r.status >= 300 && r.status < 400)
    why += fmt::format(" (redirects are not followed: set {}.url to the final URL)",
                       options_.endpoint.empty() ? std::string("webhook") : "webhooks." + options_.endpoint);
  return {verdict::failed, std::move(why)};
}

delivery_result webhook_sink::deliver(std::span<const alert> batch, std::stop_token stop) {
  if (stop.stop_requested()) return delivery_result::failed(0, "stopping");
  auto whole = post(batch, stop);
  if (whole.v == verdict::ok) return delivery_result::all(batch.size());
  if (whole.v == verdict::failed) return delivery_result::failed(0, std::move(whole.error));
  if (batch.size() == 1) return delivery_result::rejected(0, std::move(whole.error));
  // The receiver refused the batch: find the alerts it refuses on their own.
  for (std::size_t i = 0; i < batch.size(); ++i) {
    auto one = post(batch.subspan(i, 1), stop);
    if (one.v == verdict::rejected) return delivery_result::rejected(i, std::move(one.error));
    if (one.v == verdict::failed) return delivery_result::failed(i, std::move(one.error));
  }
  return delivery_result::all(batch.size());
}

}  // namespace vigil::delivery
