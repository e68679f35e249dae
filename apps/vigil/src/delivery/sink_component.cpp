#include "delivery/sink_component.hpp"

#include <spdlog/spdlog.h>

#include "delivery/delivery_metrics.hpp"
#include "service/alert_store.hpp"

namespace vigil::delivery {

void sink_component::start(lifespan::context& ctx) {
  auto& store = ctx.get<service::alert_store>();
  if (!enabled_) {
    if (const auto dropped = outbox(store).unregister_sink(sink_name_); dropped > 0)
      spdlog::warn("delivery to {} is disabled: dropped its backlog of {} undelivered alerts", sink_name_, dropped);
    return;
  }
  sink_ = make_sink();
  auto r = std::make_shared<relay>(*sink_, store, relay_options_);
  r->start();
  relay_.store(r);
  try {
    woken_by_store_ = store.on_new_alerts([r = r.get()](std::size_t) { r->wake(); });
    if (svc_) track(*svc_, r);
  } catch (...) {
    stop({});  // unsubscribes, joins the relay, then drops the sink: nothing is left calling into them
    throw;
  }
}

void sink_component::stop(lifespan::time_point) {
  woken_by_store_.reset();  // the store calls the relay no more (nor is calling it now)
  if (auto r = relay_.exchange(nullptr)) r->stop();  // joins the relay thread before the sink goes
  sink_.reset();
}

std::optional<lifespan::health_report> sink_component::check_health(std::stop_token) {
  auto r = relay_.load();
  if (!r) return lifespan::health_report::ok();
  if (auto why = r->problem()) return lifespan::health_report::degraded(*why);
  return lifespan::health_report::ok();
}

std::optional<relay_status> sink_component::delivery() const {
  auto r = relay_.load();
  if (!r) return std::nullopt;
  return r->status();
}

}  // namespace vigil::delivery
