#pragma once
// `vigil serve`: the running service, assembled from components.
//
//   db (critical) ◄── alerts (critical) ◄──┐
//     ▲                                    ├── pipeline (ready) ◄── tailer (ready)
//     │          rules (critical) ◄────────┘                          │
//     └────────────────────────────────────────────────────────────────┘
//   models (background) ◄── threat_model (background) ──► pipeline: hybrid mode while a model is served
//   redis (background, off unless enabled) ──► alerts: delivers the outbox to a Redis stream (delivery/)
//   http (critical, starts at once): probes, /metrics, /api/status, /api/alerts
//
// Configuration: one YAML file (apps/vigil/config/vigil.yaml is the bundled default), one section per
// component, overridable with VIGIL__SECTION__KEY=value and --set section.key=value.
#include "lifespan/core/command_line.hpp"
#include "lifespan/core/service.hpp"

namespace vigil::service {

// Registers every component and the HTTP routes on `svc` (tests run the same assembly in-process).
void assemble(lifespan::service& svc);

// The service's entry: the bundled configuration when none is given, the SQLite file's directory
// created when missing (a clean checkout has no ./var), then service::main (which also handles
// --check-config and --print-graph).
int serve(lifespan::command_line options);

}  // namespace vigil::service
