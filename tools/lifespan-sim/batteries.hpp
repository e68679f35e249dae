#pragma once
// lifespan-sim's real components, beside the synthetic ones: when the graph's YAML has a section
// named after one of them, that component is registered instead of a synthetic one.
//
//   database:  { url: "sqlite://var/sim.db" }     lifespan::data::database, critical
//   telemetry: { when_full: spill }               lifespan::data::telemetry_store, ready-gating,
//                                                 requires database; with --serve, POST /events
//   models:    { root: models/ }                  lifespan::models::models_component, ready-gating;
//                                                 with --serve, the /models/... API
//
//   POST /events  {"kind": "...", "payload": <any JSON>}  or an array of them
//                 202 {"accepted": N} once every event is acknowledged (it will reach the database);
//                 503 naming the reason when the store refuses one (queue full past block_timeout,
//                 stopping), 507 when the spool cannot take it; 400 for a body that is not events.
#include <string>
#include <vector>

#include "lifespan/config/config.hpp"
#include "lifespan/core/service.hpp"
#include "lifespan/http/router.hpp"

namespace lifespan::sim {

// The section names taken by real components (so register_components skips them).
const std::vector<std::string>& battery_sections();

// Registers the real components whose sections `doc` has; with `routes`, adds their HTTP API.
void register_batteries(service& svc, const config::document& doc, http::router* routes);

}  // namespace lifespan::sim
