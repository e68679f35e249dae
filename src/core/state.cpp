#include "lifespan/core/state.hpp"

namespace lifespan {

std::string_view to_string(service_state s) noexcept {
  switch (s) {
    case service_state::uninitialized: return "UNINITIALIZED";
    case service_state::initializing: return "INITIALIZING";
    case service_state::ready: return "READY";
    case service_state::starting: return "STARTING";
    case service_state::running: return "RUNNING";
    case service_state::stopping: return "STOPPING";
    case service_state::stopped: return "STOPPED";
    case service_state::error: return "ERROR";
  }
  return "?";
}

std::string_view to_string(component_state s) noexcept {
  switch (s) {
    case component_state::registered: return "registered";
    case component_state::starting: return "starting";
    case component_state::up: return "up";
    case component_state::degraded: return "degraded";
    case component_state::failed: return "failed";
    case component_state::stopping: return "stopping";
    case component_state::stopped: return "stopped";
  }
  return "?";
}

std::string_view to_string(criticality c) noexcept {
  switch (c) {
    case criticality::critical: return "critical";
    case criticality::ready: return "ready";
    case criticality::background: return "background";
    case criticality::lazy: return "lazy";
  }
  return "?";
}

std::string_view to_string(health_status h) noexcept {
  switch (h) {
    case health_status::ok: return "ok";
    case health_status::degraded: return "degraded";
    case health_status::failed: return "failed";
  }
  return "?";
}

std::optional<criticality> parse_criticality(std::string_view text) noexcept {
  for (auto c : {criticality::critical, criticality::ready, criticality::background, criticality::lazy})
    if (to_string(c) == text) return c;
  return std::nullopt;
}

}  // namespace lifespan
