#pragma once
// Runtime settings: the `startup`, `shutdown` and `logging` sections, and the per-component keys the
// runtime itself reads (timeouts, retry backoff) before handing the section to the component.
#include <chrono>
#include <string>
#include <vector>

#include "lifespan/config/config.hpp"
#include "lifespan/config/duration.hpp"
#include "lifespan/core/clock.hpp"
#include "lifespan/core/detail/registration.hpp"

namespace lifespan::detail {

struct retry_policy {
  duration initial = std::chrono::milliseconds(200);
  duration max = std::chrono::seconds(30);
};

struct runtime_settings {
  duration startup_deadline = std::chrono::minutes(5);
  duration progress_interval = std::chrono::seconds(5);
  std::size_t max_parallel_hooks = 16;
  duration readiness_delay = std::chrono::seconds(0);
  duration drain_timeout = std::chrono::seconds(10);
  duration grace_period = std::chrono::seconds(30);  // the orchestrator's termination grace period
  std::string log_format = "text";
  std::string log_level = "info";
  std::string log_file;
};

struct component_settings {
  struct timeouts timeouts;
  retry_policy retry;
};

// A runtime duration as configuration spells it ("1.5s"), for messages that quote budgets.
inline std::string format(duration d) {
  return config::format_duration(std::chrono::duration_cast<config::duration>(d));
}

// The sections the runtime owns; any other top-level section must name a component.
inline const std::vector<std::string> runtime_sections{"startup", "shutdown", "logging"};

runtime_settings read_runtime_settings(const config::document& doc, config::error_list& errors);
// Reads the runtime's keys from a component's section (defaults from the registration).
component_settings read_component_settings(config::section& section, const timeouts& registered);

}  // namespace lifespan::detail
