// The telemetry store's Prometheus metrics (lifespan_telemetry_*), read from its counters at scrape
// time: record() and the writer pay nothing for them.
#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include "lifespan/metrics/registry.hpp"
#include "telemetry_state.hpp"

namespace lifespan::data {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

ClientMetric value(double v, std::vector<ClientMetric::Label> labels, MetricType type) {
  return metrics::sample(type, v, std::move(labels));
}

class telemetry_collector final : public prometheus::Collectable {
 public:
  explicit telemetry_collector(std::shared_ptr<telemetry_store::state> s) : state_(std::move(s)), name_(state_->name) {}

  std::vector<MetricFamily> Collect() const override {
    const auto m = metrics_of(*state_);
    const ClientMetric::Label store{"store", name_};
    MetricFamily events{"lifespan_telemetry_events_total",
                        "Events by outcome: queued (accepted), written (from the queue), spooled, replayed (from "
                        "the spool), dropped (policy drop), rejected (queue full past block_timeout, or stopped), "
                        "failed (the spool could not take them)",
                        MetricType::Counter, {}};
    const std::pair<const char*, std::uint64_t> outcomes[] = {
        {"queued", m.queued},   {"written", m.written},   {"spooled", m.spooled}, {"replayed", m.replayed},
        {"dropped", m.dropped}, {"rejected", m.rejected}, {"failed", m.failed}};
    for (const auto& [outcome, n] : outcomes)
      events.metric.push_back(value(static_cast<double>(n), {store, {"outcome", outcome}}, MetricType::Counter));
    return {
        std::move(events),
        {"lifespan_telemetry_batches_total", "Batches committed to the database", MetricType::Counter,
         {value(static_cast<double>(m.batches), {store}, MetricType::Counter)}},
        {"lifespan_telemetry_batch_seconds_total", "Time spent committing batches (divide by batches_total for the mean)",
         MetricType::Counter, {value(static_cast<double>(m.batch_latency_us_sum) / 1e6, {store}, MetricType::Counter)}},
        {"lifespan_telemetry_batch_seconds_max", "Longest batch commit so far", MetricType::Gauge,
         {value(static_cast<double>(m.batch_latency_us_max) / 1e6, {store}, MetricType::Gauge)}},
        {"lifespan_telemetry_batch_seconds_last", "The last batch commit", MetricType::Gauge,
         {value(static_cast<double>(m.batch_latency_us_last) / 1e6, {store}, MetricType::Gauge)}},
        {"lifespan_telemetry_queue_depth", "Events waiting in the queue", MetricType::Gauge,
         {value(static_cast<double>(m.queue_depth), {store}, MetricType::Gauge)}},
        {"lifespan_telemetry_database_down", "1 while the database is unreachable (events go to the spool)",
         MetricType::Gauge, {value(m.database_down ? 1 : 0, {store}, MetricType::Gauge)}},
    };
  }

 private:
  std::shared_ptr<telemetry_store::state> state_;
  std::string name_;
};

}  // namespace

std::shared_ptr<const prometheus::Collectable> make_telemetry_collector(std::shared_ptr<telemetry_store::state> s) {
  return std::make_shared<telemetry_collector>(std::move(s));
}

}  // namespace lifespan::data
