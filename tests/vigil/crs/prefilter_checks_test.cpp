// The prefilter's exact checks (rules the Hyperscan database does not take, covered by running their
// operator once per new value) and the scan's aliases (one string scanned once for every variable
// that holds it). "Not a candidate" must imply "does not match"; what a value makes a candidate must
// stay with that value and its variable, also when answered from memory.
#include <gtest/gtest.h>

#include "crs/evaluator.hpp"
#include "crs/prefilter.hpp"

namespace {

using namespace vigil::crs;

request make_request(const std::string& target, const std::string& method = "GET",
                     const std::string& agent = "Mozilla/5.0") {
  request r;
  r.assign(method, target, "HTTP/1.1", "", agent, "", "192.0.2.1", 200);
  return r;
}

const rule& by_id(const rule_set& rules, int id) {
  const rule* r = rules.find(id);
  if (!r) throw std::runtime_error("no rule " + std::to_string(id));
  return *r;
}

TEST(CrsPrefilterChecks, LibinjectionAndByteRangeRulesAreCoveredByChecks) {
  auto rules = rule_set::load({});
  auto shared = std::make_shared<const prefilter>(rules);
  EXPECT_GT(shared->checked(), 0u);
  prefilter_scan scan(shared);
  scan.scan(make_request("/search?q=blue+shoes&page=2"));
  for (int id : {942100, 941100, 920270}) EXPECT_FALSE(scan.may_match(by_id(*rules, id))) << id;
  scan.scan(make_request("/search?q=1%27%20or%20%271%27%3D%271"));
  EXPECT_TRUE(scan.may_match(by_id(*rules, 942100)));
  scan.scan(make_request("/search?q=%3Cscript%3Ealert(1)%3C/script%3E"));
  EXPECT_TRUE(scan.may_match(by_id(*rules, 941100)));
  scan.scan(make_request("/search?q=%00"));  // 920270 allows bytes 1-255
  EXPECT_TRUE(scan.may_match(by_id(*rules, 920270)));
}

// A negated operator makes its rule a candidate when it fails on a value, and the verdicts with
// the filter are those without.
TEST(CrsPrefilterChecks, NegatedOperatorIsACandidateWhenItFails) {
  auto rules = rule_set::from_text(
      "SecRule REQUEST_METHOD \"!@within GET HEAD\" \"id:1,phase:1,pass,log,t:none,setvar:tx.score=+5\"\n"
      "SecRule ARGS \"@detectSQLi\" \"id:2,phase:2,pass,log,t:none,t:urlDecodeUni,setvar:tx.score=+5\"\n");
  auto shared = std::make_shared<const prefilter>(rules);
  ASSERT_EQ(shared->checked(), 2u);
  prefilter_scan scan(shared);
  evaluator filtered(rules), full(rules);
  full.set_shortcuts(false);
  for (const auto& [method, target, one, two] :
       std::vector<std::tuple<std::string, std::string, bool, bool>>{{"GET", "/a?x=1", false, false},
                                                                     {"DELETE", "/a?x=1", true, false},
                                                                     {"HEAD", "/a?x=1%27%20or%201%3D1--", false, true},
                                                                     {"GET", "/a?x=1", false, false}}) {
    request req = make_request(target, method);
    scan.scan(req);
    EXPECT_EQ(scan.may_match(by_id(*rules, 1)), one) << method << ' ' << target;
    EXPECT_EQ(scan.may_match(by_id(*rules, 2)), two) << method << ' ' << target;
    EXPECT_EQ(filtered.evaluate(req, &scan).anomaly_score, full.evaluate(req).anomaly_score) << target;
  }
}

// /abcdef?x=abcdef: REQUEST_BASENAME and ARGS hold the same string, scanned once. Each rule reads
// one of them; each value keeps its own candidates in memory for later lines.
TEST(CrsPrefilterChecks, ValuesSharingAScannedStringKeepTheirOwnCandidates) {
  auto rules = rule_set::from_text(
      "SecRule REQUEST_BASENAME \"@rx abcdef\" \"id:1,phase:1,pass,log,t:none\"\n"
      "SecRule ARGS \"@rx abcdef\" \"id:2,phase:2,pass,log,t:none\"\n");
  auto shared = std::make_shared<const prefilter>(rules);
  ASSERT_EQ(shared->checked(), 0u);  // both in the database
  prefilter_scan scan(shared), other(shared);
  const rule &basename = by_id(*rules, 1), &args = by_id(*rules, 2);
  scan.scan(make_request("/abcdef?x=abcdef"));
  EXPECT_TRUE(scan.may_match(basename));
  EXPECT_TRUE(scan.may_match(args));
  EXPECT_EQ(scan.scanned_bytes(), 7u);  // "abcdef\n" once for both
  other.scan(make_request("/abcdef?x=abcdeg"));
  EXPECT_EQ(other.scanned_bytes(), 14u);
  scan.scan(make_request("/abcdef?x=abcdeg"));  // the basename's value from memory
  EXPECT_TRUE(scan.may_match(basename));
  EXPECT_FALSE(scan.may_match(args));
  const auto hits = scan.cache_hits();
  scan.scan(make_request("/other?x=abcdef"));  // the argument's value from memory
  EXPECT_GT(scan.cache_hits(), hits);
  EXPECT_FALSE(scan.may_match(basename));
  EXPECT_TRUE(scan.may_match(args));
}

}  // namespace
