#pragma once
// The typed event stream. Every lifecycle transition is one event; logs, metrics and the startup
// timeline are all built from it. Listeners run one at a time, in order, with the runtime's
// supervisor role (on the thread inside run(), or on a hook worker between two hooks); they must be
// quick and must not call back into the service's blocking APIs (run, use).
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "lifespan/core/clock.hpp"
#include "lifespan/core/state.hpp"

namespace lifespan {

enum class event_kind : std::uint8_t {
  service_state_changed,  // `state` is the new state
  component_starting,     // start is being called (attempt >= 1)
  component_up,           // `took` is the start duration
  component_failed,       // start failed or timed out; `detail` says why
  component_degraded,     // a health check reported degraded or failed
  component_recovered,    // health is ok again, or a retried start succeeded
  component_stopping,
  component_stopped,      // `took` is the stop duration; `detail` is non-empty on error or timeout
  startup_progress,       // periodic while starting: `detail` lists busy and waiting components
  shutdown_phase,         // `component` names the phase, `took` its duration
  reload_finished,        // `applied` names the components that applied the new configuration (in
                          // dependency order); `detail` is empty when nothing was left unapplied,
                          // else what was not applied and why (an invalid configuration: its errors,
                          // and `applied` is empty: the whole reload was rejected)
  warning,                // a configuration or budget warning, in `detail`
  reload_started,         // a reload (SIGHUP, request_reload) begins; reload_finished follows
};

std::string_view to_string(event_kind k) noexcept;

struct lifecycle_event {
  event_kind kind;
  time_point at;
  std::string component;  // empty for service-level events
  service_state state = service_state::uninitialized;
  duration took{};
  int attempt = 0;
  std::string detail;
  std::vector<std::string> applied;  // reload_finished only
};

using event_listener = std::function<void(const lifecycle_event&)>;

}  // namespace lifespan
