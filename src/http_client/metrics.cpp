// lifespan_http_client_* families built from every client's stats() at each scrape (see metrics.hpp).
#include "metrics.hpp"

#include <mutex>
#include <vector>

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include "lifespan/metrics/registry.hpp"

namespace lifespan::http_client::detail {
namespace {

using prometheus::MetricType;

struct family_spec {
  const char* name;
  const char* help;
  MetricType type;
  std::uint64_t stats::*field;
};

constexpr family_spec families[] = {
    {"lifespan_http_client_submitted_total", "Requests accepted by the HTTP client.", MetricType::Counter,
     &stats::submitted},
    {"lifespan_http_client_rejected_total", "Requests refused at submission (backlog full, stopping, invalid).",
     MetricType::Counter, &stats::rejected},
    {"lifespan_http_client_completed_total", "Requests that ended with a 2xx response.", MetricType::Counter,
     &stats::completed},
    {"lifespan_http_client_failed_total", "Requests that ended without a 2xx response.", MetricType::Counter,
     &stats::failed},
    {"lifespan_http_client_retries_total", "Attempts after the first.", MetricType::Counter, &stats::retried},
    {"lifespan_http_client_retry_budget_exhausted_total", "Retries refused by the retry budget.", MetricType::Counter,
     &stats::budget_exhausted},
    {"lifespan_http_client_connections_opened_total", "New connections opened by curl.", MetricType::Counter,
     &stats::connections_opened},
    {"lifespan_http_client_connections_reused_total", "Attempts served over a kept-alive connection.",
     MetricType::Counter, &stats::connections_reused},
    {"lifespan_http_client_callback_errors_total", "Callbacks that threw.", MetricType::Counter,
     &stats::callback_errors},
    {"lifespan_http_client_in_flight", "Transfers handed to curl now.", MetricType::Gauge, &stats::in_flight},
    {"lifespan_http_client_held", "Requests accepted and not yet called back (bounded by queue_capacity).",
     MetricType::Gauge, &stats::held},
};

class collector final : public prometheus::Collectable {
 public:
  void add(std::weak_ptr<const client::engine> e) {
    std::lock_guard lock(mutex_);
    engines_.push_back(std::move(e));
  }

  std::vector<prometheus::MetricFamily> Collect() const override {
    std::vector<std::shared_ptr<const client::engine>> live;
    {
      std::lock_guard lock(mutex_);
      std::erase_if(engines_, [](const auto& w) { return w.expired(); });
      for (const auto& w : engines_)
        if (auto e = w.lock()) live.push_back(std::move(e));
    }
    if (live.empty()) return {};
    std::vector<std::pair<std::string, stats>> rows;
    for (const auto& e : live) rows.emplace_back(e->name, e->snapshot());
    std::vector<prometheus::MetricFamily> out;
    for (const auto& spec : families) {
      prometheus::MetricFamily family;
      family.name = spec.name;
      family.help = spec.help;
      family.type = spec.type;
      for (const auto& [name, s] : rows) {
        prometheus::ClientMetric metric;
        metric.label.push_back({"client", name});
        const auto value = static_cast<double>(s.*spec.field);
        if (spec.type == MetricType::Counter) metric.counter.value = value;
        else metric.gauge.value = value;
        family.metric.push_back(std::move(metric));
      }
      out.push_back(std::move(family));
    }
    return out;
  }

 private:
  mutable std::mutex mutex_;
  mutable std::vector<std::weak_ptr<const client::engine>> engines_;
};

}  // namespace

void publish(service& svc, const std::shared_ptr<const client::engine>& engine) {
  static const char key = 0;
  auto attached = svc.attachment(&key, [&svc] {
    auto c = std::make_shared<collector>();
    metrics::of(svc).add(c);  // held weakly there; the service's attachment keeps it
    return std::static_pointer_cast<void>(c);
  });
  static_cast<collector*>(attached.get())->add(engine);
}

}  // namespace lifespan::http_client::detail
