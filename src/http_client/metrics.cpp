// lifespan_http_client_* families built from stats() at every scrape (see metrics.hpp).
#include "metrics.hpp"

#include <prometheus/metric_family.h>

namespace lifespan::http_client::detail {
namespace {

class collector final : public prometheus::Collectable {
 public:
  explicit collector(std::shared_ptr<const client::engine> e) : engine_(std::move(e)) {}

  std::vector<prometheus::MetricFamily> Collect() const override {
    const auto s = engine_->snapshot();
    std::vector<prometheus::MetricFamily> out;
    auto add = [&](const char* name, const char* help, prometheus::MetricType type, std::uint64_t value) {
      prometheus::MetricFamily family;
      family.name = name;
      family.help = help;
      family.type = type;
      prometheus::ClientMetric metric;
      metric.label.push_back({"client", engine_->name});
      if (type == prometheus::MetricType::Counter) metric.counter.value = static_cast<double>(value);
      else metric.gauge.value = static_cast<double>(value);
      family.metric.push_back(std::move(metric));
      out.push_back(std::move(family));
    };
    using prometheus::MetricType;
    add("lifespan_http_client_submitted_total", "Requests accepted by the HTTP client.", MetricType::Counter, s.submitted);
    add("lifespan_http_client_rejected_total", "Requests refused at submission (backlog full, stopping, invalid).",
        MetricType::Counter, s.rejected);
    add("lifespan_http_client_completed_total", "Requests that ended with a 2xx response.", MetricType::Counter,
        s.completed);
    add("lifespan_http_client_failed_total", "Requests that ended without a 2xx response.", MetricType::Counter,
        s.failed);
    add("lifespan_http_client_retries_total", "Attempts after the first.", MetricType::Counter, s.retried);
    add("lifespan_http_client_retry_budget_exhausted_total", "Retries refused by the retry budget.",
        MetricType::Counter, s.budget_exhausted);
    add("lifespan_http_client_connections_opened_total", "New connections opened by curl.", MetricType::Counter,
        s.connections_opened);
    add("lifespan_http_client_connections_reused_total", "Attempts served over a kept-alive connection.",
        MetricType::Counter, s.connections_reused);
    add("lifespan_http_client_callback_errors_total", "Callbacks that threw.", MetricType::Counter, s.callback_errors);
    add("lifespan_http_client_in_flight", "Transfers handed to curl now.", MetricType::Gauge, s.in_flight);
    add("lifespan_http_client_held", "Requests accepted and not yet called back (bounded by queue_capacity).",
        MetricType::Gauge, s.held);
    return out;
  }

 private:
  std::shared_ptr<const client::engine> engine_;
};

}  // namespace

std::shared_ptr<const prometheus::Collectable> make_collector(std::shared_ptr<const client::engine> engine) {
  return std::make_shared<collector>(std::move(engine));
}

}  // namespace lifespan::http_client::detail
