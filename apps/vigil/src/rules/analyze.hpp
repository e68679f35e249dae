#pragma once
// Runs the signatures over one parsed line: normalises the fields (normalize.hpp) and collects
// rule hits. The analysis owns its normalised strings and is reused line after line, so the
// steady state allocates nothing. Not thread-safe: one analysis (and matcher) per thread.
#include <cstdint>
#include <string>
#include <vector>

#include "parse/record.hpp"
#include "rules/rule_set.hpp"

namespace vigil {

struct analysis {
  std::string target;      // normalised request target
  std::string user_agent;  // nginx escapes undone
  std::string referer;     // nginx escapes undone
  int encoding_depth = 0;  // percent-decoding passes that changed the target
  std::vector<std::uint32_t> hits;  // rule indices, sorted, unique
  severity level = severity::none;  // highest severity among hits

  bool flagged() const { return !hits.empty(); }
};

void analyze(const log_record& record, rule_matcher& matcher, analysis& out);

}  // namespace vigil
