// The per-value memos: prefilter_scan's candidates per (variable, value) and the evaluator's quiet
// probes per (link, value). A memoised scan must rule out no rule a fresh scan keeps, and answers
// from memory must give the verdicts the full interpreter gives.
#include <gtest/gtest.h>

#include <fstream>

#include "crs/detector.hpp"
#include "crs/evaluator.hpp"
#include "crs/prefilter.hpp"
#include "parse/line_parser.hpp"

namespace {

using namespace vigil::crs;

std::vector<std::string> corpus(const std::string& name) {
  std::ifstream in(std::string(LIFESPAN_SOURCE_DIR) + "/tests/vigil/data/crs/" + name);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

std::vector<const rule*> covered_rules(const rule_set& rules) {
  std::vector<const rule*> out;
  for (int phase : {1, 2})
    for (const rule* r : rules.phase(phase))
      if (!r->is_marker()) out.push_back(r);
  return out;
}

const std::shared_ptr<const prefilter>& shared_filter() {
  static const auto f = std::make_shared<const prefilter>(rule_set::load({}));
  return f;
}

std::string describe(const verdict& v) {
  std::string s = (v.flagged ? "flagged " : "clean ") + std::to_string(v.anomaly_score) + ":";
  for (const auto& m : v.matches) s += " " + std::to_string(m.matched->id) + "@" + m.variable + "=" + m.data;
  return s;
}

// A fresh scan is no reference for candidates (its joined buffer makes spurious ones across value
// separators, different from the memoised scan's); the rules' verdicts are. The memoised scan must
// keep every rule that matches: the full interpreter behind it gives the unfiltered verdict.
TEST(CrsEngineMemo, MemoisedScanRulesOutNoMatchingRule) {
  const auto& filter = shared_filter();
  prefilter_scan memoised(filter);
  evaluator filtered(filter->shared_rules()), unfiltered(filter->shared_rules());
  filtered.set_shortcuts(false);
  unfiltered.set_shortcuts(false);
  vigil::line_parser parser;
  vigil::log_record record;
  request req;
  auto lines = corpus("dev.log");
  // Twice over the corpus: the second pass answers from memory, in other neighbourhoods.
  lines.insert(lines.end(), lines.begin(), lines.end());
  std::size_t checked = 0, differing = 0;
  std::string first;
  for (std::size_t i = 0; i < lines.size(); i += 2) {
    if (!parser.parse(lines[i], record)) continue;
    req.assign(record);
    memoised.scan(req);
    ++checked;
    std::string a = describe(filtered.evaluate(req, &memoised)), b = describe(unfiltered.evaluate(req));
    if (a != b && ++differing == 1) first = lines[i] + "\n  filtered " + a + "\n  unfiltered " + b;
  }
  ASSERT_GT(checked, 500u);
  EXPECT_EQ(differing, 0u) << first;
  EXPECT_GT(memoised.cache_hits(), checked);  // most values of the second pass come from memory
}

TEST(CrsEngineMemo, AValueSeenInABenignLineStillMakesItsRuleACandidateLater) {
  const auto& filter = shared_filter();
  prefilter_scan scan(filter);
  request a, b;
  a.assign("GET", "/search?q=1%27%20union%20select%20password%20from%20users--", "HTTP/1.1", "", "curl/8.0", "",
           "192.0.2.1", 200);
  b.assign("GET", "/other/page?x=2&q=1%27%20union%20select%20password%20from%20users--", "HTTP/1.1", "",
           "Mozilla/5.0", "", "192.0.2.2", 200);
  scan.scan(a);
  const std::size_t first = scan.candidate_count();
  ASSERT_GT(first, 0u);
  const auto hits = scan.cache_hits();
  scan.scan(b);
  EXPECT_GT(scan.cache_hits(), hits);  // the argument's value came from memory
  // What the value made a candidate on the first line, it makes a candidate on the second.
  prefilter_scan first_only(filter);
  first_only.scan(a);
  for (const rule* r : covered_rules(*filter->shared_rules())) {
    if (first_only.may_match(*r) && r->targets.size() && r->id / 1000 == 942) {
      EXPECT_TRUE(scan.may_match(*r)) << r->id;
    }
  }
}

TEST(CrsEngineMemo, QuietProbesFromMemoryGiveTheFullInterpretersVerdicts) {
  const auto& filter = shared_filter();
  const auto& rules = filter->shared_rules();
  evaluator fast(rules), full(rules);
  full.set_shortcuts(false);
  vigil::line_parser parser;
  vigil::log_record record;
  request req;
  auto lines = corpus("dev.log");
  lines.insert(lines.end(), lines.begin(), lines.end());
  std::size_t differing = 0;
  for (const auto& line : lines) {
    if (!parser.parse(line, record)) continue;
    req.assign(record);
    const verdict& a = fast.evaluate(req);
    const bool flagged = a.flagged;
    const int score = a.anomaly_score;
    const verdict& b = full.evaluate(req);
    differing += flagged != b.flagged || score != b.anomaly_score;
  }
  EXPECT_EQ(differing, 0u);
  EXPECT_GT(fast.quiet_probe_hits(), lines.size() / 2);
}

}  // namespace
