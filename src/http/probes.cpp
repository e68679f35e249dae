#include "probes.hpp"

#include <chrono>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "json_body.hpp"
#include "lifespan/config/duration.hpp"

namespace lifespan::http::detail {
namespace {

double ms(duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

std::string human(duration d) {
  return config::format_duration(std::chrono::duration_cast<std::chrono::milliseconds>(d));
}

bool needed_for_readiness(const component_status& c) {
  return c.criticality == criticality::critical || c.criticality == criticality::ready;
}

// "db (starting), index (failed: disk full)"
std::string describe(const std::vector<const component_status*>& list) {
  std::string out;
  for (const auto* c : list) {
    if (!out.empty()) out += ", ";
    out += fmt::format("{} ({}", c->name, to_string(c->state));
    if (!c->reason.empty()) out += ": " + c->reason;
    out += ")";
  }
  return out;
}

ordered_json component_list(const service_status& st) {
  auto list = ordered_json::array();
  for (const auto& c : st.components)
    list.push_back({{"name", c.name},
                    {"criticality", to_string(c.criticality)},
                    {"state", to_string(c.state)},
                    {"health", to_string(c.health)}});
  return list;
}

bool startup_finished(const service& svc, service_state state) {
  switch (state) {
    case service_state::ready:
    case service_state::starting:
    case service_state::running:
      return true;
    case service_state::stopping:
    case service_state::stopped:
      return svc.startup_timeline().ready_after.has_value();  // it did reach READY before stopping
    default:
      return false;
  }
}

// {"error": ..., "reason": ..., then the rest of `body`}: every failure reads the same way.
ordered_json failure(std::string_view error, std::string_view reason, const ordered_json& body) {
  ordered_json out{{"error", error}, {"reason", reason}};
  for (const auto& [key, value] : body.items()) out[key] = value;
  return out;
}

// Wall-clock time of a steady-clock instant, for people reading the JSON.
std::string wall_time(time_point at, time_point now) {
  const auto wall = std::chrono::system_clock::now() - std::chrono::duration_cast<std::chrono::system_clock::duration>(now - at);
  const auto millis = std::chrono::time_point_cast<std::chrono::milliseconds>(wall);
  const auto seconds = std::chrono::time_point_cast<std::chrono::seconds>(millis);
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03d}Z", fmt::gmtime(std::chrono::system_clock::to_time_t(seconds)),
                     static_cast<int>((millis - seconds).count()));
}

}  // namespace

// answer_builtin() switches on these positions.
const std::vector<std::string_view>& builtin_paths() noexcept {
  static const std::vector<std::string_view> paths{"/livez",    "/health",        "/readyz",        "/ready",
                                                   "/startupz", "/health/detailed", "/metrics",     "/debug/startup",
                                                   "/debug/startup.svg", "/debug/graph"};
  return paths;
}

std::optional<std::size_t> builtin_index(std::string_view path) noexcept {
  const auto& paths = builtin_paths();
  for (std::size_t i = 0; i < paths.size(); ++i)
    if (paths[i] == path) return i;
  return std::nullopt;
}

http::response answer_builtin(server_state& s, std::size_t index, const boost::urls::url_view& url) {
  switch (index) {
    case 0: case 1: return liveness(s);
    case 2: case 3: return readiness(s);
    case 4: return startup(s);
    case 5: return detailed_health(s);
    case 6: return metrics_text(s);
    case 7: return debug_startup(s);
    case 8: return debug_startup_svg(s);
    default: return debug_graph(s, url);
  }
}

http::response liveness(server_state& s) {
  const auto silent = s.beats->stalled(s.options.stall_threshold);
  if (!silent) return {status::ok, "application/json", R"({"status":"ok"})", {}};
  const auto reason = fmt::format("no I/O thread has run a handler for {} (stall_threshold {}): all {} are busy or blocked",
                                  human(*silent), human(s.options.stall_threshold), s.io_threads);
  return json_response(failure("event loop stalled", reason, {{"status", "stalled"}, {"silent_ms", ms(*silent)}}),
                       status::service_unavailable);
}

http::response readiness(server_state& s) {
  const bool ready = s.svc.is_ready();
  const auto st = s.svc.status();
  const bool ok = ready && (s.options.ready_when_degraded || !st.degraded);
  ordered_json body{{"ready", ok}, {"state", to_string(st.state)}, {"degraded", st.degraded}, {"components", component_list(st)}};
  if (ok) return json_response(body);
  std::vector<const component_status*> missing, troubled;
  for (const auto& c : st.components) {
    if (needed_for_readiness(c) && !is_usable(c.state)) missing.push_back(&c);
    if (c.state == component_state::degraded || c.state == component_state::failed) troubled.push_back(&c);
  }
  std::string reason;
  if (st.state == service_state::error)
    reason = "startup failed";
  else if (st.state == service_state::stopping || st.state == service_state::stopped)
    reason = "the service is shutting down";
  else if (!ready && !missing.empty())
    reason = "not up yet: " + describe(missing);
  else if (!ready)  // everything is up, yet not ready: a shutdown was requested an instant ago
    reason = st.state == service_state::initializing ? "the service is starting" : "the service is shutting down";
  else
    reason = "degraded (ready_when_degraded is false): " + describe(troubled);
  return json_response(failure("not ready", reason, body), status::service_unavailable);
}

http::response startup(server_state& s) {
  const auto state = s.svc.state();
  if (startup_finished(s.svc, state)) return json_response({{"started", true}, {"state", to_string(state)}});
  ordered_json body{{"started", false}, {"state", to_string(state)}};
  if (state == service_state::error)
    return json_response(failure("startup failed", "a critical component failed to start; the service is shutting down", body),
                         status::service_unavailable);
  std::vector<const component_status*> waiting;
  const auto st = s.svc.status();
  for (const auto& c : st.components)
    if (c.criticality == criticality::critical && !is_usable(c.state)) waiting.push_back(&c);
  const std::string reason = waiting.empty() ? std::string("critical components are starting")
                                             : "waiting for critical components: " + describe(waiting);
  return json_response(failure("starting", reason, body), status::service_unavailable);
}

http::response detailed_health(server_state& s) {
  const auto st = s.svc.status();
  auto list = ordered_json::array();
  for (const auto& c : st.components) {
    ordered_json j{{"name", c.name},
                     {"criticality", to_string(c.criticality)},
                     {"state", to_string(c.state)},
                     {"health", to_string(c.health)},
                     {"reason", c.reason},
                     {"attempts", c.attempts},
                     {"waiting_on", c.waiting_on}};
    if (c.since != time_point{}) {
      j["since"] = wall_time(c.since, st.now);
      j["in_state_ms"] = ms(st.now - c.since);
    }
    if (c.last_check) {
      j["last_check"] = wall_time(*c.last_check, st.now);
      j["last_check_ms_ago"] = ms(st.now - *c.last_check);
      j["check_latency_ms"] = ms(c.check_latency);
    }
    if (c.start_duration) j["start_duration_ms"] = ms(*c.start_duration);
    list.push_back(std::move(j));
  }
  const auto silent = s.beats->silent();
  return json_response({{"state", to_string(st.state)},
                         {"ready", s.svc.is_ready()},
                         {"degraded", st.degraded},
                         {"io_threads", s.io_threads},
                         {"io_stalled", silent > s.options.stall_threshold},
                         {"io_silent_ms", ms(silent)},  // since the pool's last heartbeat
                         {"components", list}});
}

}  // namespace lifespan::http::detail
