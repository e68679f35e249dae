#include "delivery/delivery_metrics.hpp"

#include <mutex>
#include <vector>

#include <prometheus/collectable.h>

#include "lifespan/metrics/registry.hpp"

namespace vigil::delivery {
namespace {

class collector : public prometheus::Collectable {
 public:
  void add(std::weak_ptr<relay> r) {
    std::lock_guard lock(mutex_);
    std::erase_if(relays_, [](const auto& w) { return w.expired(); });
    relays_.push_back(std::move(r));
  }

  std::vector<prometheus::MetricFamily> Collect() const override {
    std::vector<relay_status> all;
    {
      std::lock_guard lock(mutex_);
      for (const auto& w : relays_)
        if (auto r = w.lock()) all.push_back(r->status());
    }
    if (all.empty()) return {};
    using prometheus::MetricType;
    std::vector<prometheus::MetricFamily> out = {
        {"vigil_delivery_delivered_total", "Alerts delivered to each sink by this process", MetricType::Counter, {}},
        {"vigil_delivery_skipped_total", "Alerts skipped: beyond max_backlog or rejected by the destination",
         MetricType::Counter, {}},
        {"vigil_delivery_failures_total", "Failed deliveries and probes (each retried)", MetricType::Counter, {}},
        {"vigil_delivery_backlog", "Alerts waiting in the outbox for each sink", MetricType::Gauge, {}},
        {"vigil_delivery_failing", "1 while the last delivery or probe of the sink failed", MetricType::Gauge, {}}};
    for (const auto& s : all) {
      const auto add = [&](std::size_t family, double value) {
        prometheus::ClientMetric m;
        m.label = {{"sink", s.sink}};
        if (out[family].type == MetricType::Counter) m.counter.value = value;
        else m.gauge.value = value;
        out[family].metric.push_back(std::move(m));
      };
      add(0, static_cast<double>(s.delivered));
      add(1, static_cast<double>(s.skipped));
      add(2, static_cast<double>(s.failures));
      add(3, static_cast<double>(s.backlog));
      add(4, s.failing ? 1.0 : 0.0);
    }
    return out;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::weak_ptr<relay>> relays_;
};

int attachment_key;

}  // namespace

void track(lifespan::service& svc, const std::shared_ptr<relay>& r) {
  auto c = std::static_pointer_cast<collector>(svc.attachment(&attachment_key, [&svc]() -> std::shared_ptr<void> {
    auto made = std::make_shared<collector>();
    lifespan::metrics::of(svc).add(made);
    return made;
  }));
  c->add(r);
}

}  // namespace vigil::delivery
