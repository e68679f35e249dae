#pragma once
// The fixed feature vector the threat model scores (and `vigil train` learns from). The order and
// meaning of each slot are part of the model format: a model trained on version N of this list
// must be served with version N. Append new features at the end and bump feature_version; never
// reorder. Each slot is documented in docs/detection.md; feature_names gives the name of each.
//
// Pure functions of one line (the record, its rule analysis and its CRS verdict); thread-safe.
// Version 2 added the CRS slots (41-51). Without CRS (disabled, or not loaded) they are 0, as for a
// line CRS finds nothing in.
#include <array>
#include <cstddef>
#include <string_view>

#include "parse/record.hpp"
#include "rules/analyze.hpp"
#include "rules/rule_set.hpp"

namespace vigil {
namespace crs {
struct crs_result;
}

inline constexpr int feature_version = 2;
inline constexpr std::size_t feature_count = 52;
using feature_vector = std::array<float, feature_count>;
extern const std::array<std::string_view, feature_count> feature_names;

// Fixed rule-category slots in the vector; categories outside this list count as "other".
inline constexpr std::array<std::string_view, 9> feature_categories{
    "sqli", "xss", "traversal", "cmdi", "scanner", "sensitive_file", "log4shell", "shellshock", "protocol"};

enum class agent_class : std::uint8_t { empty = 0, browser = 1, crawler = 2, tool = 3, scanner = 4, other = 5 };
agent_class classify_agent(std::string_view user_agent);
std::string_view agent_class_name(agent_class c);

// Method code: GET 0, POST 1, HEAD 2, PUT 3, DELETE 4, PATCH 5, OPTIONS 6, other 7, none 8.
int method_code(std::string_view method);

// Shannon entropy in bits per byte.
float shannon_entropy(std::string_view text);

// `crs`: the line's CRS verdict (crs_detector::detect), or null when CRS is not in force.
feature_vector extract_features(const log_record& record, const analysis& result, const rule_set& rules,
                                const crs::crs_result* crs = nullptr);

}  // namespace vigil
