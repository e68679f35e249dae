#pragma once
// The vocabulary of the lifecycle: service states, component states, criticality and health.
#include <cstdint>
#include <optional>
#include <string_view>

namespace lifespan {

// Service states, in the order a normal run passes through them.
//   uninitialized  the service object exists; nothing has been validated.
//   initializing   graph and configuration are valid; critical components are starting.
//   ready          every critical component is up: listeners may open, the startup probe passes.
//   starting       ready-gating and background components are still starting.
//   running        every ready-gating component is up and every background component has settled
//                  (up, or failed once and now retrying with backoff, which marks the service degraded).
//   stopping       shutdown has begun: readiness is off from this instant.
//   stopped        every started component was stopped; run() is about to return.
//   error          startup was aborted (critical failure, deadline or a signal) and rolled back.
enum class service_state : std::uint8_t {
  uninitialized, initializing, ready, starting, running, stopping, stopped, error
};

// Per-component states. A component whose start was never called stays `registered`.
enum class component_state : std::uint8_t {
  registered, starting, up, degraded, failed, stopping, stopped
};

// What a component's failure means for the service.
//   critical    startup waits for it; failure or timeout aborts startup, rolls back, exits non-zero.
//   ready       startup proceeds, the service is not ready until it is up; failures are retried.
//   background  holds nothing up; failure marks the service degraded and is retried with backoff.
//   lazy        started on first use (single-flight), or at startup when a non-lazy component requires it.
enum class criticality : std::uint8_t { critical, ready, background, lazy };

enum class health_status : std::uint8_t { ok, degraded, failed };

std::string_view to_string(service_state s) noexcept;
std::string_view to_string(component_state s) noexcept;
std::string_view to_string(criticality c) noexcept;
std::string_view to_string(health_status h) noexcept;

std::optional<criticality> parse_criticality(std::string_view text) noexcept;

// True for component states in which dependents may use the component.
constexpr bool is_usable(component_state s) noexcept {
  return s == component_state::up || s == component_state::degraded;
}

}  // namespace lifespan
