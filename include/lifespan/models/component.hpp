#pragma once
// The model manager as a lifespan component, and its HTTP API.
//
//   svc.add<lifespan::models::models_component>("models").ready_gating();
//   lifespan::http::router routes;
//   lifespan::models::add_routes(routes);              // /models/... on the service's server
//   lifespan::http::add_server(svc, std::move(routes));
//
// Configuration (section named like the component):
//   models:
//     root: /srv/models            # required
//     memory_budget: 536870912     # bytes, 0 = unlimited
//     load_threads: 2
//     load_nice: 10                # load threads' nice increment (0..19): loads yield to requests
//     watch: true                  # inotify; rescan_interval is the safety net
//     rescan_interval: 10s
//     serve_unlisted: true         # models on disk but not listed below: optional, latest 1
//     start_timeout: 60s           # (runtime key) how long start() may wait for required models
//     models:
//       fraud:   { required: true, policy: latest, latest: 2 }
//       ranker:  { lazy: true, idle_ttl: 10m, mode: resource_preserving }
//       pinned:  { policy: specific, versions: ["3", "4"] }
//
// Metrics: given the service (`svc.add<models_component>("models", &svc)`), the component publishes
// lifespan_model_* (per model and version: state, serving version, requests, rows, errors, predict
// latency histogram, bytes, load duration, attempts) and lifespan_models_* (memory, live versions,
// unloads) on the service's /metrics, read from the manager at scrape time, from start() until stop().
//
// Lifecycle: start() builds the manager, scans, queues the loads and returns once every REQUIRED
// model has a warmed, published version; it throws (start failed, retried by the runtime) when a
// required model cannot load for a deterministic reason. Register it ready-gating: readiness then
// waits for required models, and optional ones never hold it back. check_health() reports degraded
// while an optional, non-lazy model has no version (the application runs its fallback, e.g. rules
// only), naming the model and why. stop() stops loads and unloads everything handles do not hold.
#include <functional>
#include <memory>
#include <string>

#include "lifespan/core/component.hpp"
#include "lifespan/http/router.hpp"
#include "lifespan/models/manager.hpp"

namespace lifespan {
class service;
}

namespace lifespan::models {
namespace detail {
class metrics_collector;
}

class models_component final : public component {
 public:
  struct options {
    manager_options manager;
  };
  static options read_options(config::section& section);

  // `add_loaders` registers formats beyond the built-in "xgboost".
  explicit models_component(options o, std::function<void(loader_registry&)> add_loaders = {});
  // The same, with metrics on `metrics_of`'s registry (which outlives the component).
  models_component(options o, service* metrics_of, std::function<void(loader_registry&)> add_loaders = {});
  ~models_component() override;

  void start(context& ctx) override;
  void stop(time_point deadline) override;
  std::optional<health_report> check_health(std::stop_token cancel) override;

  // Valid from start() on (the component is usable), until stop().
  models::manager& manager() noexcept { return *manager_; }
  // "hybrid" when every optional non-lazy model has a version, else "fallback" (callers degrade).
  std::string mode() const;

 private:
  options options_;
  std::function<void(loader_registry&)> add_loaders_;
  std::unique_ptr<models::manager> manager_;
  service* metrics_of_ = nullptr;
  std::shared_ptr<detail::metrics_collector> metrics_;  // registered weakly on metrics_of_'s registry
};

// Routes (JSON in and out; errors are {"error", "reason"} with 4xx for bad input):
//   GET    /models                          every model: serving version, labels, states; memory; ready
//   GET    /models/{model}                  versions with state, reason, timings, bytes, traffic, manifest
//   GET    /models/{model}/transitions      the model's recent state transitions
//   POST   /models/{model}/load             {"version": N}? -> 202 (loads in the background)
//   POST   /models/{model}/unload           {"version": N}? -> 200, 409 when a label or readiness needs it
//   POST   /models/{model}/reload           {"version": N}? -> 202, forced, beside the loaded copy
//   PUT    /models/{model}/labels/{label}   {"version": N} -> 200, 409 unless that version is ready
//   DELETE /models/{model}/labels/{label}
//   POST   /models/{model}/predict          {"rows": [[...] or {"feature": value}, ...], "label"?, "version"?}
//                                           -> {"model", "version", "scores"}; 503 while no version
//   POST   /models/rescan                   reads the repository now
// Every route needs `component` (503 until it is up).
void add_routes(http::router& routes, const std::string& component = "models");

}  // namespace lifespan::models
