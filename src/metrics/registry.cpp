// The per-service registry: prometheus-cpp's own families plus weakly held collectors, serialised with
// prometheus-cpp's text serializer.
#include "lifespan/metrics/registry.hpp"

#include <sstream>

#include <prometheus/text_serializer.h>

namespace lifespan::metrics {

const char* const text_content_type = "text/plain; version=0.0.4; charset=utf-8";

registry::registry() : families_(std::make_shared<prometheus::Registry>()) {}

void registry::add(std::weak_ptr<const prometheus::Collectable> collector) {
  std::lock_guard lock(mutex_);
  collectors_.push_back(std::move(collector));
}

std::vector<prometheus::MetricFamily> registry::collect() const {
  auto out = families_->Collect();
  std::vector<std::shared_ptr<const prometheus::Collectable>> live;
  {
    std::lock_guard lock(mutex_);
    std::erase_if(collectors_, [](const auto& w) { return w.expired(); });
    for (const auto& w : collectors_)
      if (auto c = w.lock()) live.push_back(std::move(c));
  }
  // Collected outside the lock: a collector may take its own locks, and a slow one must not block add().
  for (const auto& c : live) {
    auto families = c->Collect();
    out.insert(out.end(), std::make_move_iterator(families.begin()), std::make_move_iterator(families.end()));
  }
  return out;
}

std::string registry::text() const {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, collect());
  return out.str();
}

registry& of(service& svc) {
  static const char key = 0;
  auto attached = svc.attachment(&key, [] { return std::make_shared<registry>(); });
  return *static_cast<registry*>(attached.get());  // owned by the service, which outlives its users
}

prometheus::ClientMetric sample(prometheus::MetricType type, double value,
                                std::vector<prometheus::ClientMetric::Label> labels) {
  prometheus::ClientMetric m;
  m.label = std::move(labels);
  if (type == prometheus::MetricType::Counter) m.counter.value = value;
  else m.gauge.value = value;
  return m;
}

}  // namespace lifespan::metrics
