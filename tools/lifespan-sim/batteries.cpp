#include "batteries.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "lifespan/data/database.hpp"
#include "lifespan/data/telemetry.hpp"
#include "lifespan/models/component.hpp"

namespace lifespan::sim {
namespace {

bool has_section(const config::document& doc, std::string_view name) {
  const auto names = doc.section_names();
  return std::find(names.begin(), names.end(), name) != names.end();
}

data::event to_event(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("kind") || !j["kind"].is_string())
    throw http::error(http::status::bad_request, "bad event",
                      R"(each event is an object with a string "kind" and any "payload": {"kind": "click", "payload": {...}})");
  data::event e;
  e.kind = j["kind"].get<std::string>();
  if (auto p = j.find("payload"); p != j.end()) e.payload = p->is_string() ? p->get<std::string>() : p->dump();
  return e;
}

http::response record_events(http::request& req) {
  const auto body = req.json();
  std::vector<data::event> events;
  if (body.is_array()) {
    for (const auto& j : body) events.push_back(to_event(j));
  } else {
    events.push_back(to_event(body));
  }
  auto& store = req.get<data::telemetry_store>("telemetry");
  std::size_t accepted = 0;
  for (auto& e : events) {
    switch (store.record(std::move(e))) {
      case data::ack::accepted:
        ++accepted;
        continue;
      case data::ack::failed:
        return http::response::json({{"error", "not recorded"}, {"reason", store.last_error()}, {"accepted", accepted}},
                                    static_cast<http::status>(507));
      default:
        return http::response::json({{"error", "not recorded"},
                                     {"reason", "the telemetry store refused the event (queue full past block_timeout, or stopping)"},
                                     {"accepted", accepted}},
                                    http::status::service_unavailable)
            .set("Retry-After", "1");
    }
  }
  return http::response::json({{"accepted", accepted}}, http::status::accepted);
}

}  // namespace

const std::vector<std::string>& battery_sections() {
  static const std::vector<std::string> names{"database", "telemetry", "models"};
  return names;
}

void register_batteries(service& svc, const config::document& doc, http::router* routes) {
  const bool db = has_section(doc, "database");
  if (db) svc.add<data::database>("database");
  if (has_section(doc, "telemetry")) {
    // Without a database section the graph validation reports the missing dependency, with the fix.
    svc.add<data::telemetry_store>("telemetry", &svc).ready_gating().depends_on("database");
    if (routes) routes->post("/events", record_events).needs<data::telemetry_store>("telemetry");
  }
  if (has_section(doc, "models")) {
    svc.add<models::models_component>("models", &svc).ready_gating();
    if (routes) models::add_routes(*routes);
  }
}

}  // namespace lifespan::sim
