#pragma once
// Durations as people write them in configuration: "250ms", "5s", "1.5s", "2m", "1h", "100us", "0".
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace lifespan::config {

using duration = std::chrono::nanoseconds;

// nullopt when the text is not a duration; a bare number is rejected unless it is 0 (units are required).
std::optional<duration> parse_duration(std::string_view text) noexcept;

// The shortest exact spelling: 250ms, 5s, 1.5s, 2m, 0s.
std::string format_duration(duration d);

}  // namespace lifespan::config
