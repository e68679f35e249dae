#pragma once
// Child modes defined next to the tests that spawn them.
namespace lifespan::test {
void telemetry_sigterm_mode();
void telemetry_durable_mode();
void telemetry_spool_full_mode();
}  // namespace lifespan::test
