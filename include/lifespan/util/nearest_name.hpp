#pragma once
// "Did you mean ...?" for configuration keys, section names and component names.
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace lifespan {

// Levenshtein distance between two strings (case-sensitive).
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `wanted`, if it is close enough to be a plausible typo:
// at most a third of the wanted name's length in edits (at least 1, at most 3).
std::optional<std::string> nearest_name(std::string_view wanted, std::span<const std::string> candidates);

// " (did you mean 'x'?)" or "" — ready to append to an error message.
std::string did_you_mean(std::string_view wanted, std::span<const std::string> candidates);

}  // namespace lifespan
