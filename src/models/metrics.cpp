// The model manager's Prometheus metrics, read from the manager's own status at scrape time: nothing
// is added to the request path beyond the counters version_stats already keeps.
#include "metrics.hpp"

#include "lifespan/metrics/registry.hpp"

#include <limits>
#include <string>

namespace lifespan::models::detail {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

constexpr version_state all_states[] = {version_state::on_disk, version_state::queued,   version_state::loading,
                                        version_state::warming, version_state::ready,    version_state::draining,
                                        version_state::unloaded, version_state::failed,  version_state::invalid};

ClientMetric value(double v, std::vector<ClientMetric::Label> labels, MetricType type) {
  return metrics::sample(type, v, std::move(labels));
}

// The version's latency buckets (bucket b: [2^(b-1), 2^b) microseconds) as a cumulative histogram in
// seconds. Every bound up to the highest bucket seen is listed, so series keep the same `le` labels.
ClientMetric latency(const nlohmann::json& lat, std::vector<ClientMetric::Label> labels) {
  ClientMetric m;
  m.label = std::move(labels);
  std::uint64_t total = 0;
  for (const auto& b : lat["buckets"]) {
    total += b["count"].get<std::uint64_t>();
    ClientMetric::Bucket bucket;
    bucket.cumulative_count = total;
    bucket.upper_bound = static_cast<double>(b["le_us"].get<std::uint64_t>()) / 1e6;
    m.histogram.bucket.push_back(bucket);
  }
  ClientMetric::Bucket inf;
  inf.cumulative_count = total;
  inf.upper_bound = std::numeric_limits<double>::infinity();
  m.histogram.bucket.push_back(inf);
  m.histogram.sample_count = total;
  m.histogram.sample_sum = lat.value("sum", 0.0) / 1e6;
  return m;
}

}  // namespace

void metrics_collector::attach(const manager* m) {
  std::lock_guard lock(mutex_);
  manager_ = m;
}

std::vector<MetricFamily> metrics_collector::Collect() const {
  std::lock_guard lock(mutex_);
  if (!manager_) return {};
  const auto list = manager_->list();

  MetricFamily serving{"lifespan_model_serving_version", "The version each model serves (absent while none)", MetricType::Gauge, {}};
  MetricFamily available{"lifespan_model_available", "1 while the model has a published version", MetricType::Gauge, {}};
  MetricFamily state{"lifespan_model_version_state", "1 for each version's current state, 0 for the others", MetricType::Gauge, {}};
  MetricFamily requests{"lifespan_model_requests_total", "Predictions served by each version", MetricType::Counter, {}};
  MetricFamily rows{"lifespan_model_rows_total", "Rows scored by each version", MetricType::Counter, {}};
  MetricFamily errors{"lifespan_model_errors_total", "Failed predictions of each version", MetricType::Counter, {}};
  MetricFamily seconds{"lifespan_model_predict_seconds", "Prediction latency of each version", MetricType::Histogram, {}};
  MetricFamily bytes{"lifespan_model_version_bytes", "Memory of each loaded version (estimated before the load, measured after)",
                     MetricType::Gauge, {}};
  MetricFamily load{"lifespan_model_load_duration_seconds", "Duration of each version's last load and warm-up", MetricType::Gauge, {}};
  MetricFamily attempts{"lifespan_model_load_attempts", "Load attempts of each version", MetricType::Gauge, {}};

  for (const auto& summary : list["models"]) {
    const auto name = summary["name"].get<std::string>();
    available.metric.push_back(value(summary["available"].get<bool>(), {{"model", name}}, MetricType::Gauge));
    if (!summary["serving"].is_null())
      serving.metric.push_back(value(summary["serving"].get<double>(), {{"model", name}}, MetricType::Gauge));
    const auto shown = manager_->show(name);
    if (!shown) continue;  // removed between the two reads
    for (const auto& v : (*shown)["versions"]) {
      const std::vector<ClientMetric::Label> labels{{"model", name}, {"version", std::to_string(v["version"].get<std::uint64_t>())}};
      const auto current = v["state"].get<std::string>();
      for (auto s : all_states) {
        auto l = labels;
        l.push_back({"state", to_string(s)});
        state.metric.push_back(value(current == to_string(s), std::move(l), MetricType::Gauge));
      }
      attempts.metric.push_back(value(v["attempts"].get<double>(), labels, MetricType::Gauge));
      if (auto measured = v["measured_bytes"].get<double>(); measured > 0)
        bytes.metric.push_back(value(measured, labels, MetricType::Gauge));
      else if (auto estimated = v["estimated_bytes"].get<double>(); estimated > 0)
        bytes.metric.push_back(value(estimated, labels, MetricType::Gauge));
      if (v.contains("load_duration_ms"))
        load.metric.push_back(value(v["load_duration_ms"].get<double>() / 1e3, labels, MetricType::Gauge));
      if (!v.contains("requests")) continue;  // never loaded: no traffic figures
      requests.metric.push_back(value(v["requests"].get<double>(), labels, MetricType::Counter));
      rows.metric.push_back(value(v["rows"].get<double>(), labels, MetricType::Counter));
      errors.metric.push_back(value(v["errors"].get<double>(), labels, MetricType::Counter));
      seconds.metric.push_back(latency(v["latency_us"], labels));
    }
  }

  const auto& memory = list["memory"];
  std::vector<MetricFamily> out{std::move(serving), std::move(available), std::move(state), std::move(requests),
                                std::move(rows),    std::move(errors),    std::move(seconds), std::move(bytes),
                                std::move(load),    std::move(attempts)};
  out.push_back({"lifespan_models_memory_used_bytes", "Measured bytes of loaded versions not yet unloaded", MetricType::Gauge,
                 {value(memory["used_bytes"].get<double>(), {}, MetricType::Gauge)}});
  out.push_back({"lifespan_models_memory_reserved_bytes", "Estimated bytes of loads in progress", MetricType::Gauge,
                 {value(memory["reserved_bytes"].get<double>(), {}, MetricType::Gauge)}});
  out.push_back({"lifespan_models_memory_budget_bytes", "The memory budget (0: unlimited)", MetricType::Gauge,
                 {value(memory["budget_bytes"].get<double>(), {}, MetricType::Gauge)}});
  out.push_back({"lifespan_models_live_versions", "Loaded versions not yet destroyed", MetricType::Gauge,
                 {value(static_cast<double>(manager_->live_versions()), {}, MetricType::Gauge)}});
  out.push_back({"lifespan_models_unloads_total", "Versions destroyed (unloaded)", MetricType::Counter,
                 {value(static_cast<double>(manager_->unloads()), {}, MetricType::Counter)}});
  return out;
}

}  // namespace lifespan::models::detail
