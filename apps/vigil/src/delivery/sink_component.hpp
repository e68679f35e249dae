#pragma once
// A background component that delivers alerts to one sink through a relay (delivery/relay.hpp).
// Concrete sinks (redis_delivery, a webhook later) derive from it and only build their sink:
//
//   class webhook_delivery : public sink_component {
//    public:
//     struct options { bool enabled; relay_options relay; ... };
//     static options read_options(lifespan::config::section&);
//     webhook_delivery(options o, lifespan::service* svc) : sink_component(o.enabled, "webhook:ops", o.relay, svc) {}
//    protected:
//     std::unique_ptr<alert_sink> make_sink() override;
//   };
//   svc.add<webhook_delivery>("webhook", &svc).background().depends_on<vigil::service::alert_store>();
//
// - Enabled: start() builds the sink and starts its relay, which the alert store wakes whenever it
//   commits new alerts (relay::wake), so they leave at once rather than at the next poll. The destination need not be reachable: the
//   relay retries with backoff and check_health() reports degraded, naming the destination and the
//   cause, until it delivers again. Alerts keep being stored and queued meanwhile.
// - Disabled: start() removes the sink's registration and backlog from the outbox (logged with the
//   number of alerts dropped), so a disabled sink does not accumulate a backlog; the component is up
//   and does nothing else.
//
// Thread-safety: delivery() and check_health() from any thread while the component is up.
#include <atomic>
#include <memory>
#include <optional>
#include <string>

#include "delivery/relay.hpp"
#include "delivery/sink.hpp"
#include "lifespan/core/component.hpp"
#include "service/alert_store.hpp"

namespace lifespan {
class service;
}

namespace vigil::delivery {

class sink_component : public lifespan::component {
 public:
  // With `svc`, the relay's counters are also exposed at GET /metrics (delivery_metrics.hpp).
  sink_component(bool enabled, std::string sink_name, relay_options o, lifespan::service* svc = nullptr)
      : enabled_(enabled), sink_name_(std::move(sink_name)), relay_options_(o), svc_(svc) {}

  void start(lifespan::context& ctx) override;  // requires the alert store
  void stop(lifespan::time_point deadline) override;
  std::optional<lifespan::health_report> check_health(std::stop_token cancel) override;

  bool enabled() const noexcept { return enabled_; }
  // The relay's counters; nullopt while disabled.
  std::optional<relay_status> delivery() const;

 protected:
  virtual std::unique_ptr<alert_sink> make_sink() = 0;

 private:
  bool enabled_;
  std::string sink_name_;
  relay_options relay_options_;
  lifespan::service* svc_;
  std::unique_ptr<alert_sink> sink_;
  std::atomic<std::shared_ptr<relay>> relay_;  // read by status requests while stop() runs
  service::alert_store::new_alerts_observers::subscription woken_by_store_;  // reset before the relay stops
};

}  // namespace vigil::delivery
