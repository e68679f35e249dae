#pragma once
// A copy of the service's state as probes and dashboards see it. Taking it reads only the runtime's
// own records (never a component), so it is safe at any moment, including during teardown.
#include <optional>
#include <string>
#include <vector>

#include "lifespan/core/clock.hpp"
#include "lifespan/core/state.hpp"

namespace lifespan {

struct component_status {
  std::string name;
  lifespan::criticality criticality = lifespan::criticality::critical;
  component_state state = component_state::registered;
  health_status health = health_status::ok;
  std::string reason;                      // last failure or health reason; empty when healthy
  time_point since{};                      // when `state` was entered
  std::optional<time_point> last_check;    // last health check, if the component has one
  duration check_latency{};
  std::optional<duration> start_duration;  // of the last successful start
  int attempts = 0;
  std::vector<std::string> waiting_on;     // required dependencies not yet up (while registered)
};

struct service_status {
  service_state state = service_state::uninitialized;
  bool ready = false;
  bool degraded = false;
  time_point now{};
  std::vector<component_status> components;  // in declaration order
};

}  // namespace lifespan
