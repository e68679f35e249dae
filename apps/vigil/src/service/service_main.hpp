#pragma once
// `vigil serve`: the running service, assembled from components.
//
//   db (critical) ◄── alerts (critical) ◄──┐
//     ▲                                    ├── pipeline (ready) ◄── tailer (ready)
//     │          rules (critical) ◄────────┘                          │
//     └────────────────────────────────────────────────────────────────┘
//   models (background) ◄── threat_model (background) ──► pipeline: hybrid mode while a model is served
//   redis (background, off unless enabled) ──► alerts: delivers the outbox to a Redis stream (delivery/)
//   webhook, webhooks.<name>... (background) ──► alerts, http_client: one component per webhook endpoint
//   webhooks (background) ──► alerts: validates the endpoint names, drops removed endpoints' backlogs
//   http (critical, starts at once): probes, /metrics, /api/status, /api/alerts
//
// Configuration: one YAML file (config/vigil.yaml of the bundled files, paths/bundled_files.hpp, is the
// default), one section per
// component, overridable with VIGIL__SECTION__KEY=value and --set section.key=value.
#include <string>
#include <vector>

#include "lifespan/core/command_line.hpp"
#include "lifespan/core/service.hpp"

namespace vigil::service {

// What the assembly needs from the configuration before any component exists: the components the
// configuration itself names (a graph cannot grow once validated), today the webhook endpoints
// (delivery/webhook_endpoints.hpp), each one a component named webhooks.<name>.
struct layout {
  std::vector<std::string> webhook_endpoints;  // valid names, in document order
  std::string log_format = "combined";         // pipeline.format: which request headers the log records
  std::string web_dir;                         // live.web_dir: the dashboard's files; empty: the bundled web/
};
// Reads it from the sources the service reads (the --config file, VIGIL__... when `read_environment`,
// --set), silently: the service's own validation reports any problem in them.
layout read_layout(const lifespan::command_line& options, bool read_environment = true);

// Registers every component and the HTTP routes on `svc` (tests run the same assembly in-process).
// Without `l`, no named webhook endpoint is assembled (and the `webhooks` component fails at start
// when the configuration names one).
void assemble(lifespan::service& svc, const layout& l = {});

// The service's entry: the bundled configuration when none is given, the SQLite file's directory
// created when missing (a clean checkout has no ./var), then service::main (which also handles
// --check-config and --print-graph).
int serve(lifespan::command_line options);

}  // namespace vigil::service
