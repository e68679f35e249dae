#pragma once
// The service's metrics: one registry per service, which the HTTP server exposes at GET /metrics in the
// Prometheus text format. Any area adds its own metrics to it:
//
//   auto& families = lifespan::metrics::of(svc).families();
//   auto& rows = prometheus::BuildCounter().Name("vigil_rows_written_total").Help("...").Register(families);
//   prometheus::Counter& written = rows.Add({{"table", "alerts"}});   // resolve once, keep the reference
//   written.Increment();                                             // hot path: one atomic
//
// or, for figures that are cheaper to read at scrape time than to keep current, a collector:
//
//   auto pool = std::make_shared<pool_collector>(...);    // a prometheus::Collectable
//   lifespan::metrics::of(svc).add(pool);                 // held weakly: collected while `pool` lives
//
// Built in (install() registers them): lifespan_service_* (state, readiness, uptime), lifespan_component_*
// (state, health, start duration, attempts), lifespan_shutdown_phase_duration_seconds; the server adds
// lifespan_http_*.
//
// Lifetimes and threading: the registry lives as long as the service (it is attached to it), so
// references into it stay valid while any component runs. Every member function may be called from any
// thread at any time; collectors are called on the scraping thread and must not block.
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>
#include <prometheus/registry.h>

#include "lifespan/core/service.hpp"

namespace lifespan::metrics {

class registry {
 public:
  registry();
  registry(const registry&) = delete;
  registry& operator=(const registry&) = delete;

  // Counters, gauges, histograms and summaries built with prometheus::Build*().Register(families()).
  prometheus::Registry& families() noexcept { return *families_; }
  // A collector asked for its families at every scrape while it lives (held as a weak pointer).
  void add(std::weak_ptr<const prometheus::Collectable> collector);

  // Everything, families first, then the collectors in the order added. Any thread.
  std::vector<prometheus::MetricFamily> collect() const;
  // The same in the Prometheus text exposition format (version 0.0.4).
  std::string text() const;

 private:
  std::shared_ptr<prometheus::Registry> families_;
  mutable std::mutex mutex_;
  mutable std::vector<std::weak_ptr<const prometheus::Collectable>> collectors_;
};

// The service's registry, created on first use. Any thread, before or during run().
registry& of(service& svc);

// Registers the service-level metrics (state, uptime, components, shutdown phases) on `svc`'s registry.
// Listens to the event stream, so it must be called before run() (add_server does); a second call is a
// no-op. Throws std::logic_error once the service runs.
void install(service& svc);

// One sample of a collector's family: a counter's or a gauge's value, with its labels.
prometheus::ClientMetric sample(prometheus::MetricType type, double value,
                                std::vector<prometheus::ClientMetric::Label> labels = {});

// The content type of text(): "text/plain; version=0.0.4; charset=utf-8".
extern const char* const text_content_type;

}  // namespace lifespan::metrics
