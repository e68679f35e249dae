#pragma once
// The pipeline's Prometheus metrics (created in start() when the service has a registry):
//   vigil_pipeline_queue_depth{queue=raw|reorder|analyzed|scored}  batches waiting in each queue
//     (reorder: batches a detect worker finished that wait for an earlier one)
//   vigil_pipeline_lines_total{stage=read|detected|analyzed|stored}  lines through each stage
//     (detected: by a worker, in any order; analyzed: through the windows, in order)
//   vigil_alerts_stored_total, vigil_lines_malformed_total, vigil_store_errors_total,
//   vigil_alert_latency_seconds (from a batch read to its alerts stored).
// prometheus-cpp metrics are thread-safe: every stage updates its own.
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "service/pipeline.hpp"

namespace vigil::service {

struct pipeline::metrics {
  explicit metrics(prometheus::Registry& r)
      : depth(prometheus::BuildGauge().Name("vigil_pipeline_queue_depth").Help("Batches waiting in each pipeline queue").Register(r)),
        lines(prometheus::BuildCounter().Name("vigil_pipeline_lines_total").Help("Lines through each pipeline stage").Register(r)),
        alerts(prometheus::BuildCounter().Name("vigil_alerts_stored_total").Help("New alerts stored").Register(r)),
        malformed(prometheus::BuildCounter().Name("vigil_lines_malformed_total").Help("Lines that did not parse").Register(r)),
        errors(prometheus::BuildCounter().Name("vigil_store_errors_total").Help("Failed alert store transactions (retried)").Register(r)),
        latency(prometheus::BuildHistogram().Name("vigil_alert_latency_seconds").Help("From a batch read to its alerts stored").Register(r)),
        raw_depth(depth.Add({{"queue", "raw"}})),
        reorder_depth(depth.Add({{"queue", "reorder"}})),
        analyzed_depth(depth.Add({{"queue", "analyzed"}})),
        scored_depth(depth.Add({{"queue", "scored"}})),
        read(lines.Add({{"stage", "read"}})),
        detected(lines.Add({{"stage", "detected"}})),
        analyzed(lines.Add({{"stage", "analyzed"}})),
        stored(lines.Add({{"stage", "stored"}})),
        alerts_new(alerts.Add({})),
        malformed_lines(malformed.Add({})),
        store_errors(errors.Add({})),
        commit_latency(latency.Add({}, prometheus::Histogram::BucketBoundaries{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                                               0.1, 0.25, 0.5, 1, 2.5, 5})) {}
  prometheus::Family<prometheus::Gauge>& depth;
  prometheus::Family<prometheus::Counter>& lines;
  prometheus::Family<prometheus::Counter>& alerts;
  prometheus::Family<prometheus::Counter>& malformed;
  prometheus::Family<prometheus::Counter>& errors;
  prometheus::Family<prometheus::Histogram>& latency;
  prometheus::Gauge &raw_depth, &reorder_depth, &analyzed_depth, &scored_depth;
  prometheus::Counter &read, &detected, &analyzed, &stored, &alerts_new, &malformed_lines, &store_errors;
  prometheus::Histogram& commit_latency;
};

}  // namespace vigil::service
