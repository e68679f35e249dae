// The model's feature vector: fixed size, named slots, values that follow the line.
#include <gtest/gtest.h>

#include <set>

#include "features/features.hpp"
#include "parse/line_parser.hpp"

namespace vigil {
namespace {

feature_vector features_of(std::string_view line, rule_matcher& matcher) {
  line_parser parser;
  log_record r;
  analysis a;
  EXPECT_TRUE(parser.parse(line, r));
  analyze(r, matcher, a);
  return extract_features(r, a, matcher.rules());
}

std::size_t slot(std::string_view name) {
  for (std::size_t i = 0; i < feature_count; ++i) {
    if (feature_names[i] == name) return i;
  }
  ADD_FAILURE() << "no feature " << name;
  return 0;
}

TEST(VigilFeatures, NamesAreUniqueAndComplete) {
  std::set<std::string_view> names(feature_names.begin(), feature_names.end());
  EXPECT_EQ(names.size(), feature_count);
  for (auto n : feature_names) EXPECT_FALSE(n.empty());
}

TEST(VigilFeatures, BenignAndAttackLinesDiffer) {
  rule_matcher matcher(rule_set::load(VIGIL_DEFAULT_RULES));
  const auto benign = features_of(
      R"L(1.2.3.4 - - [01/Jan/2026:00:00:00 +0000] "GET /products/42?page=2 HTTP/1.1" 200 5120 "https://shop.example.com/" "Mozilla/5.0 (X11; Linux x86_64)")L",
      matcher);
  const auto attack = features_of(
      R"L(1.2.3.4 - - [01/Jan/2026:00:00:00 +0000] "POST /item.php?id=1%2527%2520UNION%2520SELECT%2520NULL%252CNULL--%2520- HTTP/1.0" 500 0 "-" "sqlmap/1.7.12#stable (https://sqlmap.org)")L",
      matcher);
  EXPECT_EQ(benign[slot("rule_hits")], 0.f);
  EXPECT_EQ(benign[slot("max_severity")], 0.f);
  EXPECT_EQ(benign[slot("encoding_depth")], 0.f);
  EXPECT_EQ(benign[slot("agent_class")], static_cast<float>(agent_class::browser));
  EXPECT_EQ(benign[slot("method")], 0.f);
  EXPECT_EQ(benign[slot("status")], 200.f);
  EXPECT_EQ(benign[slot("query_params")], 1.f);
  EXPECT_EQ(benign[slot("has_referer")], 1.f);
  EXPECT_EQ(benign[slot("protocol")], 2.f);

  EXPECT_EQ(attack[slot("encoding_depth")], 2.f);
  EXPECT_GE(attack[slot("hits_sqli")], 1.f);
  EXPECT_GE(attack[slot("hits_scanner")], 1.f);
  EXPECT_GE(attack[slot("max_severity")], static_cast<float>(severity::high));
  EXPECT_EQ(attack[slot("agent_class")], static_cast<float>(agent_class::scanner));
  EXPECT_EQ(attack[slot("method")], 1.f);
  EXPECT_EQ(attack[slot("status_class")], 5.f);
  EXPECT_EQ(attack[slot("quote_count")], 1.f);
  EXPECT_GT(attack[slot("raw_percent_escapes")], 5.f);
  EXPECT_GT(attack[slot("space_count")], 2.f);
  EXPECT_GT(attack[slot("target_entropy")], 3.f);
}

TEST(VigilFeatures, Helpers) {
  EXPECT_FLOAT_EQ(shannon_entropy(""), 0.f);
  EXPECT_FLOAT_EQ(shannon_entropy("aaaa"), 0.f);
  EXPECT_FLOAT_EQ(shannon_entropy("abab"), 1.f);
  EXPECT_EQ(classify_agent(""), agent_class::empty);
  EXPECT_EQ(classify_agent("Mozilla/5.0 (compatible; Googlebot/2.1)"), agent_class::crawler);
  EXPECT_EQ(classify_agent("python-requests/2.31"), agent_class::tool);
  EXPECT_EQ(classify_agent("Mozilla/5.00 (Nikto/2.5.0)"), agent_class::scanner);
  EXPECT_EQ(method_code("DELETE"), 4);
  EXPECT_EQ(method_code("PROPFIND"), 7);
  EXPECT_EQ(method_code(""), 8);
}

}  // namespace
}  // namespace vigil
