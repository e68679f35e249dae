#pragma once
// The startup timeline: when each component became startable, started, came up (or failed) and
// stopped, and the critical path: the chain of required dependencies that determined when the last
// component came up. Times are offsets from the moment the runtime began starting components.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lifespan/core/clock.hpp"
#include "lifespan/core/state.hpp"

namespace lifespan {

struct timeline_entry {
  std::string name;
  lifespan::criticality criticality = lifespan::criticality::critical;
  component_state state = component_state::registered;  // state when the timeline was taken
  std::optional<duration> ready_at;       // every required dependency was up
  std::optional<duration> started_at;     // start() of the first attempt was called
  std::optional<duration> up_at;          // came up (last attempt)
  std::optional<duration> failed_at;      // last failure, if any
  std::optional<duration> stopped_at;
  int attempts = 0;
  std::string blocked_by;  // the required dependency that came up last before this one could start
  bool on_critical_path = false;
  std::string error;
};

struct timeline {
  std::vector<timeline_entry> entries;        // in declaration order
  std::vector<std::string> critical_path;     // first to last
  std::optional<duration> ready_after;        // service reached READY
  std::optional<duration> running_after;      // service reached RUNNING
  duration critical_path_length{};            // sum of start durations along the critical path

  nlohmann::json to_json() const;             // durations in milliseconds, as doubles
  std::string to_text() const;                // a table a person can read in a terminal
};

}  // namespace lifespan
