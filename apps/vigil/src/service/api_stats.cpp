#include "service/api_stats.hpp"

#include <charconv>
#include <chrono>

#include <fmt/format.h>

#include "lifespan/config/duration.hpp"
#include "lifespan/http/event_stream.hpp"
#include "service/alert_store.hpp"
#include "service/status_feed.hpp"

namespace vigil::service {
namespace {

using lifespan::http::status;

constexpr std::int64_t max_window = 366LL * 24 * 3600;

lifespan::http::error bad(std::string_view name, std::string_view text, std::string_view expected) {
  return {status::bad_request, "invalid_parameter",
          fmt::format("query parameter '{}' must be {}, got '{}'", name, expected, text)};
}

// "90s", "15m", "1h", "7d": whole seconds, 1s to 366d.
std::int64_t window_seconds(const std::string& text) {
  constexpr std::string_view expected = "a duration from 1s to 366d such as 15m, 1h or 7d";
  std::int64_t seconds = 0;
  if (!text.empty() && text.back() == 'd') {
    std::int64_t days = 0;
    const auto digits = std::string_view(text).substr(0, text.size() - 1);
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), days);
    if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty() || days > 366) throw bad("window", text, expected);
    seconds = days * 24 * 3600;
  } else {
    const auto d = lifespan::config::parse_duration(text);
    if (!d) throw bad("window", text, expected);
    seconds = std::chrono::duration_cast<std::chrono::seconds>(*d).count();
  }
  if (seconds < 1 || seconds > max_window) throw bad("window", text, expected);
  return seconds;
}

std::int64_t integer(lifespan::http::request& req, std::string_view name, std::int64_t fallback, std::int64_t low,
                     std::int64_t high, std::string_view expected) {
  const auto text = req.query(name);
  if (!text) return fallback;
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (ec != std::errc() || end != text->data() + text->size() || text->empty() || v < low || v > high)
    throw bad(name, *text, expected);
  return v;
}

lifespan::http::response stats(lifespan::http::request& req) {
  const std::string window = req.query("window").value_or("24h");
  const auto seconds = window_seconds(window);
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  const auto until = integer(req, "until", now + 1, 1, 253402300800, "a time in epoch seconds");
  const auto top = integer(req, "top", 10, 1, 100, "an integer from 1 to 100");
  const auto since = until - seconds;

  const auto s = req.get<alert_store>("alerts").stats(since, until, static_cast<int>(top));
  nlohmann::json body{{"window", window}, {"window_seconds", seconds}, {"since", since}, {"until", until}, {"total", s.total}};
  auto& severities = body["by_severity"] = nlohmann::json::object();
  for (int level = 1; level <= 4; ++level) severities[std::string(severity_name(static_cast<severity>(level)))] = s.by_severity[level];
  auto& categories = body["by_category"] = nlohmann::json::array();
  for (const auto& [name, n] : s.by_category) categories.push_back({{"category", name}, {"alerts", n}});
  auto& clients = body["top_clients"] = nlohmann::json::array();
  for (const auto& [client, n] : s.top_clients) clients.push_back({{"client", client}, {"alerts", n}});
  nlohmann::json rates{{"alerts_per_second", static_cast<double>(s.total) / static_cast<double>(seconds)}, {"now", nullptr}};
  if (auto* feed = req.optional<status_feed>("status_feed")) {
    const auto r = feed->current();
    rates["now"] = {{"lines_per_second", r.lines_per_second}, {"alerts_per_second", r.alerts_per_second}, {"seconds", r.seconds}};
  }
  body["rates"] = std::move(rates);
  return lifespan::http::response::json(body);
}

lifespan::http::response status_stream(lifespan::http::request& req) {
  auto stream = lifespan::http::event_stream::open();
  req.get<status_feed>("status_feed").subscribe(stream);
  return lifespan::http::response::events(stream);
}

}  // namespace

void add_stats_routes(lifespan::http::router& routes) {
  routes.get("/api/stats", stats).needs<alert_store>("alerts").optional<status_feed>("status_feed");
  routes.get("/api/status/stream", status_stream).needs<status_feed>("status_feed").run_inline();  // memory only
}

}  // namespace vigil::service
