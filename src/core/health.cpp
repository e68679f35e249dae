// Health checks: each usable component is checked on its own schedule, on the hook pool, with its own
// timeout. Results only ever reach readers through the runtime's copies; nothing calls a component
// on behalf of a reader.
#include <fmt/format.h>

#include "lifespan/config/duration.hpp"
#include "runtime.hpp"

namespace lifespan::detail {

void runtime::schedule_health(node& n) {
  if (shutting_down_ || n.health_disabled || !n.reg->hooks.health || n.health_timer != 0) return;
  n.health_timer = loop_->after(n.settings.timeouts.health_interval, [this, &n] {
    n.health_timer = 0;
    run_health_check(n);
  });
}

void runtime::run_health_check(node& n) {
  if (shutting_down_ || n.health_in_flight || !is_usable(n.state()) || !n.current.object) return;
  n.health_in_flight = true;
  ++n.side_hooks;
  const int attempt = n.attempt;
  const auto generation = ++n.health_generation;
  const auto began = loop_->now();
  auto cancel = std::make_shared<std::stop_source>();
  n.health_deadline = loop_->after(n.settings.timeouts.health_timeout, [this, &n, generation, cancel, attempt] {
    n.health_deadline = 0;
    if (generation != n.health_generation || !n.health_in_flight) return;
    n.health_in_flight = false;
    cancel->request_stop();
    pool_->abandon_one();
    side_hook_returned(n, attempt);  // abandoned
    const auto limit = std::chrono::duration_cast<config::duration>(n.settings.timeouts.health_timeout);
    schedule_health(n);
    apply_health(n, health_report::failed(fmt::format("health check timed out after {}", config::format_duration(limit))),
                 n.settings.timeouts.health_timeout);
  });
  std::weak_ptr<loop> owner = loop_;
  pool_->submit([this, &n, owner, generation, began, cancel, attempt, object = n.current.object]() mutable {
    std::optional<health_report> report;
    try {
      report = object->check_health(cancel->get_token());
    } catch (const std::exception& e) {
      report = health_report::failed(fmt::format("health check threw: {}", e.what()));
    } catch (...) {
      report = health_report::failed("health check threw a non-standard exception");
    }
    object.reset();  // see live_instance
    if (auto l = owner.lock())
      l->post_after_hook([this, &n, generation, began, attempt, report = std::move(report)] {
        if (generation != n.health_generation || !n.health_in_flight) return;
        n.health_in_flight = false;
        loop_->cancel(n.health_deadline);
        side_hook_returned(n, attempt);
        if (!report) {
          n.health_disabled = true;
          return;
        }
        schedule_health(n);
        apply_health(n, *report, loop_->now() - began);
      });
  });
}

void runtime::apply_health(node& n, const health_report& report, duration latency) {
  if (shutting_down_) return;
  {
    std::lock_guard lock(n.shown_mutex);
    n.shown.health = report.status;
    n.shown.last_check = loop_->now();
    n.shown.check_latency = latency;
    n.shown.reason = report.reason;
  }
  n.pub.health.store(report.status, std::memory_order_relaxed);
  const auto state = n.state();
  if (report.status != health_status::ok && state == component_state::up) {
    set_state(n, component_state::degraded, report.reason);
    emit(event_kind::component_degraded, &n, report.reason);
  } else if (report.status == health_status::ok && state == component_state::degraded) {
    set_state(n, component_state::up);
    emit(event_kind::component_recovered, &n, "health check ok");
  }
  update_service_state();
}

}  // namespace lifespan::detail
