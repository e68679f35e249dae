// The service-level metrics: read from the service's status and timeline at scrape time (nothing to
// keep current), plus the shutdown phase durations, which only the event stream reports.
#include <chrono>
#include <mutex>
#include <stdexcept>

#include "lifespan/metrics/registry.hpp"

namespace lifespan::metrics {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

double seconds(duration d) { return std::chrono::duration<double>(d).count(); }

ClientMetric gauge(double value, std::vector<ClientMetric::Label> labels = {}) {
  return sample(MetricType::Gauge, value, std::move(labels));
}

constexpr service_state all_service_states[] = {service_state::uninitialized, service_state::initializing,
                                                service_state::ready,         service_state::starting,
                                                service_state::running,       service_state::stopping,
                                                service_state::stopped,       service_state::error};
constexpr component_state all_component_states[] = {component_state::registered, component_state::starting,
                                                    component_state::up,         component_state::degraded,
                                                    component_state::failed,     component_state::stopping,
                                                    component_state::stopped};
constexpr health_status all_health[] = {health_status::ok, health_status::degraded, health_status::failed};

class service_collector final : public prometheus::Collectable {
 public:
  explicit service_collector(service& svc) : svc_(svc), created_(std::chrono::steady_clock::now()) {}

  void on_event(const lifecycle_event& e) {
    if (e.kind != event_kind::shutdown_phase) return;
    std::lock_guard lock(mutex_);
    phases_.push_back({e.detail, seconds(e.took)});
  }

  std::vector<MetricFamily> Collect() const override {
    std::vector<MetricFamily> out;
    const auto st = svc_.status();
    const auto timeline = svc_.startup_timeline();

    out.push_back({"lifespan_service_info", "The service's name (always 1)", MetricType::Gauge, {gauge(1, {{"service", svc_.name()}})}});
    MetricFamily state{"lifespan_service_state", "1 for the service's current state, 0 for the others", MetricType::Gauge, {}};
    for (auto s : all_service_states) state.metric.push_back(gauge(s == st.state, {{"state", std::string(to_string(s))}}));
    out.push_back(std::move(state));
    out.push_back({"lifespan_service_ready", "1 while the service is ready for traffic", MetricType::Gauge, {gauge(svc_.is_ready())}});
    out.push_back({"lifespan_service_degraded", "1 while a component is degraded or failed in the background",
                   MetricType::Gauge, {gauge(st.degraded)}});
    out.push_back({"lifespan_uptime_seconds", "Time since the service was set up", MetricType::Gauge,
                   {gauge(seconds(std::chrono::steady_clock::now() - created_))}});
    if (timeline.ready_after)
      out.push_back({"lifespan_startup_ready_seconds", "Time from the start of startup until the service was ready",
                     MetricType::Gauge, {gauge(seconds(*timeline.ready_after))}});

    MetricFamily cstate{"lifespan_component_state", "1 for each component's current state, 0 for the others", MetricType::Gauge, {}};
    MetricFamily chealth{"lifespan_component_health", "1 for each component's current health, 0 for the others", MetricType::Gauge, {}};
    MetricFamily cstart{"lifespan_component_startup_duration_seconds", "Duration of each component's last successful start",
                        MetricType::Gauge, {}};
    MetricFamily cattempts{"lifespan_component_start_attempts", "Start attempts of each component", MetricType::Gauge, {}};
    for (const auto& c : st.components) {
      for (auto s : all_component_states)
        cstate.metric.push_back(gauge(s == c.state, {{"component", c.name}, {"state", std::string(to_string(s))}}));
      for (auto h : all_health)
        chealth.metric.push_back(gauge(h == c.health, {{"component", c.name}, {"health", std::string(to_string(h))}}));
      if (c.start_duration) cstart.metric.push_back(gauge(seconds(*c.start_duration), {{"component", c.name}}));
      cattempts.metric.push_back(gauge(c.attempts, {{"component", c.name}}));
    }
    out.push_back(std::move(cstate));
    out.push_back(std::move(chealth));
    out.push_back(std::move(cstart));
    out.push_back(std::move(cattempts));

    MetricFamily phases{"lifespan_shutdown_phase_duration_seconds", "Duration of each shutdown phase that has ended",
                        MetricType::Gauge, {}};
    {
      std::lock_guard lock(mutex_);
      for (const auto& [name, took] : phases_) phases.metric.push_back(gauge(took, {{"phase", name}}));
    }
    out.push_back(std::move(phases));
    return out;
  }

 private:
  service& svc_;
  const std::chrono::steady_clock::time_point created_;
  mutable std::mutex mutex_;
  std::vector<std::pair<std::string, double>> phases_;
};

}  // namespace

void install(service& svc) {
  static const char key = 0;
  bool made = false;
  auto attached = svc.attachment(&key, [&] {
    made = true;
    if (svc.running()) throw std::logic_error("metrics::install: call it before service::run(); it listens to the event stream");
    return std::make_shared<service_collector>(svc);
  });
  if (!made) return;
  auto collector = std::static_pointer_cast<service_collector>(attached);
  svc.on_event([c = collector.get()](const lifecycle_event& e) { c->on_event(e); });
  of(svc).add(collector);  // the attachment keeps it alive as long as the service
}

}  // namespace lifespan::metrics
