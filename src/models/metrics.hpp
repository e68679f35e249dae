#pragma once
// The collector behind the models' Prometheus metrics (lifespan_model_*, lifespan_models_*). The
// component owns it and registers it on the service's registry (held weakly there); attach() points it
// at the manager once started and detaches it (nullptr) before the manager goes away, so a scrape
// that races stop() sees either the whole manager or nothing.
#include <mutex>
#include <vector>

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include "lifespan/models/manager.hpp"

namespace lifespan::models::detail {

class metrics_collector final : public prometheus::Collectable {
 public:
  void attach(const manager* m);
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  mutable std::mutex mutex_;
  const manager* manager_ = nullptr;
};

}  // namespace lifespan::models::detail
