#include "serve.hpp"

#include <charconv>
#include <condition_variable>
#include <mutex>

#include <fmt/format.h>

namespace lifespan::sim {
namespace {

http::response unknown(std::string_view component) {
  return http::response::error(http::status::not_found, "unknown component",
                               fmt::format("no synthetic component is named '{}'; the graph's YAML declares them", component));
}

// Sleeps `ms`, or until the server gives up on the request (its deadline, http.request_timeout, or the
// drain deadline: the request's stop token); false when cut short. The server has answered 503 then.
bool sleep_for(std::chrono::milliseconds ms, std::stop_token cancel) {
  std::mutex m;
  std::condition_variable_any cv;
  std::unique_lock lock(m);
  return !cv.wait_for(lock, cancel, ms, [] { return false; });
}

}  // namespace

http::router serving_routes(service& svc, faults& f) {
  http::router routes;
  routes.get("/work", [&svc, &f](http::request& req) {
    long ms = 0;
    if (auto text = req.query("ms")) {
      const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), ms);
      if (ec != std::errc() || end != text->data() + text->size() || ms < 0 || ms > 60000)
        throw http::error(http::status::bad_request, "bad ms", fmt::format("ms must be a whole number from 0 to 60000, got '{}'", *text));
    }
    const auto needs = req.query("needs");
    if (needs) {
      if (!f.known(*needs)) return unknown(*needs);
      const auto watch = svc.watch(*needs);
      if (!watch.usable() || f.failed(*needs)) {
        const std::string state = f.failed(*needs) ? "failed (injected)" : std::string(to_string(watch.state()));
        return http::response::json({{"error", "unavailable"},
                                     {"reason", fmt::format("component '{}' is {}", *needs, state)},
                                     {"component", *needs},
                                     {"state", state}},
                                    http::status::service_unavailable);
      }
    }
    if (ms > 0 && !sleep_for(std::chrono::milliseconds(ms), req.stop_token()))
      return http::response::error(http::status::service_unavailable, "cancelled",
                                   "the server gave up on this request (its deadline or the drain deadline)");
    return http::response::json({{"worked_ms", ms}, {"needs", needs ? nlohmann::json(*needs) : nlohmann::json()}});
  });
  const auto toggle = [&f](bool failed) {
    return [&f, failed](http::request& req) {
      const auto& component = req.param("component");
      if (!f.known(component)) return unknown(component);
      f.set(component, failed);
      return http::response::json({{"component", component}, {"failed", failed}});
    };
  };
  routes.post("/fail/{component}", toggle(true));
  routes.post("/recover/{component}", toggle(false));
  return routes;
}

}  // namespace lifespan::sim
