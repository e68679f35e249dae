#include "lifespan/core/events.hpp"

namespace lifespan {

std::string_view to_string(event_kind k) noexcept {
  switch (k) {
    case event_kind::service_state_changed: return "service_state_changed";
    case event_kind::component_starting: return "component_starting";
    case event_kind::component_up: return "component_up";
    case event_kind::component_failed: return "component_failed";
    case event_kind::component_degraded: return "component_degraded";
    case event_kind::component_recovered: return "component_recovered";
    case event_kind::component_stopping: return "component_stopping";
    case event_kind::component_stopped: return "component_stopped";
    case event_kind::startup_progress: return "startup_progress";
    case event_kind::shutdown_phase: return "shutdown_phase";
    case event_kind::reload_finished: return "reload_finished";
    case event_kind::warning: return "warning";
    case event_kind::reload_started: return "reload_started";
  }
  return "?";
}

}  // namespace lifespan
