#include "rules/analyze.hpp"

#include <algorithm>

#include "rules/normalize.hpp"

namespace vigil {

void analyze(const log_record& record, rule_matcher& matcher, analysis& out) {
  thread_local std::string scratch;
  out.encoding_depth = normalize_target(record.target, out.target, scratch);
  unescape_nginx(record.user_agent, out.user_agent);
  unescape_nginx(record.referer, out.referer);
  match_input input;
  input[rule_field::target] = out.target;
  input[rule_field::request] = record.request;
  input[rule_field::user_agent] = out.user_agent;
  input[rule_field::referer] = out.referer;
  input[rule_field::method] = record.method;
  out.hits.clear();
  matcher.match(input, out.hits);
  std::sort(out.hits.begin(), out.hits.end());
  out.hits.erase(std::unique(out.hits.begin(), out.hits.end()), out.hits.end());
  out.level = severity::none;
  for (auto h : out.hits) out.level = std::max(out.level, matcher.rules().rules()[h].level);
}

}  // namespace vigil
