// vigil's CRS engine against the reference engine, libmodsecurity3, on the same lines: the corpora
// under tests/vigil/data/crs (attack payloads from Debian's wfuzz, sqlmap and CRS data files, and
// varied benign traffic), at paranoia levels 1 and 2. The bar: vigil flags >= 98 % of the
// lines the oracle flags, and flags almost nothing it does not.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <string>

#include "crs/detector.hpp"
#include "crs/evaluator.hpp"
#include "crs/exclusions.hpp"
#include "crs/prefilter.hpp"
#include "vigil/crs/oracle.hpp"
#include "parse/line_parser.hpp"

namespace {

using vigil::crs::evaluator;
using vigil::crs::request;
using vigil::crs::rule_set;

std::string data_path(const std::string& name) { return std::string(LIFESPAN_SOURCE_DIR) + "/tests/vigil/data/crs/" + name; }

std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

std::set<int> detection_ids(const std::vector<int>& ids) {
  std::set<int> out;
  for (int id : ids)
    if (id < 949000) out.insert(id);
  return out;
}

struct agreement {
  int lines = 0, oracle_flagged = 0, both_flagged = 0, vigil_only = 0, same_rules = 0;
  std::vector<std::string> examples;
};

// `as_configured`: vigil's default for the combined format (REST methods allowed, the rules about
// headers the format does not record skipped); the oracle gets the same configuration
// (replay_directives). Otherwise CRS exactly as shipped in both, on the headers the line has.
agreement compare_lines(const std::vector<std::string>& lines, int paranoia, bool as_configured,
                        const std::vector<std::string>& exclusions = {});

agreement compare(const std::string& corpus, int paranoia, bool as_configured) {
  return compare_lines(read_lines(data_path(corpus)), paranoia, as_configured);
}

agreement compare_lines(const std::vector<std::string>& lines, int paranoia, bool as_configured,
                        const std::vector<std::string>& exclusions) {
  vigil::crs::load_options options;
  std::vector<vigil::crs::exclusion> parsed;
  for (const auto& e : exclusions) parsed.push_back(vigil::crs::exclusion::parse(e));
  options.extra_directives = vigil::crs::exclusion_directives(parsed);
  options.paranoia_level = paranoia;
  if (as_configured) options.logged_headers = vigil::crs::headers_logged_by("combined");
  else options.allowed_methods.clear();
  auto rules = rule_set::load(options);
  evaluator engine(rules);
  vigil::crs::prefilter_scan fast_path(std::make_shared<vigil::crs::prefilter>(rules));  // as vigil runs it
  if (as_configured) {
    EXPECT_FALSE(rules->unlogged_header_rules().empty());
  }
  vigil::testing::crs_oracle oracle(std::string(vigil::testing::default_crs_rules_dir),
                                    std::string(vigil::testing::default_crs_setup), paranoia, 5,
                                    rules->replay_directives());
  vigil::line_parser parser;
  vigil::log_record record;
  request req;
  agreement a;
  for (const auto& line : lines) {
    if (!parser.parse(line, record)) continue;
    ++a.lines;
    auto expected = oracle.evaluate({record.method, record.target, record.protocol, record.host, record.user_agent,
                                     record.referer});
    req.assign(record);
    req.remote_addr = "192.0.2.1";  // the oracle's replayed client
    fast_path.scan(req);
    const auto& got = engine.evaluate(req, &fast_path);
    std::vector<int> got_ids;
    for (const auto& m : got.matches) got_ids.push_back(m.matched->id);
    bool same = detection_ids(expected.rule_ids) == detection_ids(got_ids);
    a.oracle_flagged += expected.flagged;
    a.both_flagged += expected.flagged && got.flagged;
    a.vigil_only += got.flagged && !expected.flagged;
    a.same_rules += same;
    if ((!same || expected.flagged != got.flagged) && a.examples.size() < 25) {
      std::string e = "  " + line.substr(0, 240) + "\n    oracle " + std::to_string(expected.anomaly_score) + ":";
      for (int id : detection_ids(expected.rule_ids)) e += " " + std::to_string(id);
      e += "\n    vigil  " + std::to_string(got.anomaly_score) + ":";
      for (int id : detection_ids(got_ids)) e += " " + std::to_string(id);
      a.examples.push_back(e);
    }
  }
  return a;
}

void expect_agreement(const std::string& corpus, int paranoia, bool as_configured = true) {
  agreement a = compare(corpus, paranoia, as_configured);
  std::string report;
  for (const auto& e : a.examples) report += e + "\n";
  std::printf("%s PL%d%s: %d lines, oracle flags %d, vigil flags %d of them and %d others; same rule ids on %d lines\n",
              corpus.c_str(), paranoia, as_configured ? "" : " (every rule)", a.lines, a.oracle_flagged, a.both_flagged, a.vigil_only, a.same_rules);
  ASSERT_GT(a.lines, 1000);
  ASSERT_GT(a.oracle_flagged, 100);
  EXPECT_GE(a.both_flagged * 100, a.oracle_flagged * 98) << report;
  EXPECT_LE(a.vigil_only * 1000, a.lines * 1) << report;
  EXPECT_GE(a.same_rules * 100, a.lines * 95) << report;
}

TEST(CrsAgreement, DevCorpusAtParanoiaLevel1) { expect_agreement("dev.log", 1); }
TEST(CrsAgreement, DevCorpusAtParanoiaLevel2) { expect_agreement("dev.log", 2); }
TEST(CrsAgreement, HeldOutCorpusAtParanoiaLevel1) { expect_agreement("heldout.log", 1); }
TEST(CrsAgreement, HeldOutCorpusAtParanoiaLevel2) { expect_agreement("heldout.log", 2); }
TEST(CrsAgreement, CrsAsShippedOnTheHeadersTheLineHasAtParanoiaLevel1) { expect_agreement("dev.log", 1, false); }

}  // namespace

namespace {

// Where a replayed request is parsed in ways that are easy to get wrong: fragments, absolute-form
// targets, escapes in the path, odd argument splits, protocols, NUL and high bytes (as nginx logs them).
TEST(CrsAgreement, EdgesOfTheRequestTarget) {
  const char* targets[] = {
      "/a?x=1#<script>alert(1)</script>",
      "/a#/etc/passwd?q=%3Cscript%3Ealert(1)%3C/script%3E",
      "/p%23x?q=<script>alert(1)</script>",
      "http://evil.example/x/../../etc/passwd?a=1",
      "http://evil.example?q=<script>alert(1)</script>",
      "/a%2Fb/c%3Fd.php?x=%27%20or%201=1--",
      "/a?x=1&&=2&y&y=<script>alert(1)</script>&z=%zz%u0027",
      "/a?x=%2527%20union%20select%201",
      "/a?%3Cscript%3E=1",
      "/a?x=+union+select+1,2,3+from+users--",
      "/a?x=\\x00<script>",
      "/a?x=\\xC0\\xAE\\xC0\\xAE/etc/passwd",
      "/cgi-bin/test.cgi?() { :; }; /bin/cat /etc/passwd",
      "/index.php?page=php://filter/convert.base64-encode/resource=index",
      "/a?q=%u003cscript%u003e",
      "/.env",
      "/wp-login.php?x=${jndi:ldap://e.example/a}",
      "/a?x=1;cat%20/etc/passwd",
  };
  std::vector<std::string> lines;
  for (const char* t : targets)
    for (const char* proto : {"HTTP/1.1", "HTTP/1.0"})
      lines.push_back(std::string("198.51.100.7 - - [07/Dec/2026:10:00:00 +0000] \"GET ") + t + " " + proto +
                      "\" 200 12 \"-\" \"Mozilla/5.0 AppleWebKit/537.36\"");
  lines.push_back("198.51.100.7 - - [07/Dec/2026:10:00:00 +0000] \"GET /a?x=<script>\" 400 0 \"-\" \"-\"");
  lines.push_back("198.51.100.7 - - [07/Dec/2026:10:00:00 +0000] \"DELETE /api/items/1 HTTP/1.1\" 204 0 \"-\" \"curl/8.0\"");
  lines.push_back("198.51.100.7 - - [07/Dec/2026:10:00:00 +0000] \"TRACE / HTTP/1.1\" 405 0 \"-\" \"curl/8.0\"");
  for (bool as_configured : {true, false}) {
    agreement a = compare_lines(lines, 1, as_configured);
    std::string report;
    for (const auto& e : a.examples) report += e + "\n";
    EXPECT_EQ(a.lines, static_cast<int>(lines.size()));
    EXPECT_GT(a.oracle_flagged, 10);
    EXPECT_EQ(a.both_flagged, a.oracle_flagged) << report;
    EXPECT_EQ(a.vigil_only, 0) << report;
    EXPECT_EQ(a.same_rules, a.lines) << report;
  }
}

}  // namespace

namespace {

// Exclusions compile to the SecLang CRS documents for tuning; ModSecurity given the same directives
// must agree line for line, and the exclusions must do what they say.
TEST(CrsAgreement, ExclusionsSilenceWhatTheyNameAndModSecurityAgrees) {
  auto line = [](const std::string& target) {
    return "198.51.100.7 - - [07/Dec/2026:10:00:00 +0000] \"GET " + target +
           " HTTP/1.1\" 200 12 \"-\" \"Mozilla/5.0 AppleWebKit/537.36\"";
  };
  const std::vector<std::string> lines = {
      line("/search?q=1%27%20or%20%271%27=%271"),            // 942100 on ARGS:q under /search: excluded
      line("/other?q=1%27%20or%20%271%27=%271"),             // the same elsewhere: still flagged
      line("/search?id=1%27%20or%20%271%27=%271"),           // another argument under /search: flagged
      line("/cms/admin/save?body=%3Cscript%3Ealert(1)%3C/script%3E"),  // every XSS rule off under /cms/admin/
      line("/cms/view?body=%3Cscript%3Ealert(1)%3C/script%3E"),
      line("/x?cmd=;cat%20/etc/passwd"),                      // 932xxx... and 930120 removed by id
  };
  const std::vector<std::string> exclusions = {"rule=942100 path=/search arg=q", "tag=attack-xss path=/cms/admin/",
                                               "rule=930120", "rule=932100-932199"};
  agreement a = compare_lines(lines, 1, true, exclusions);
  std::string report;
  for (const auto& e : a.examples) report += e + "\n";
  EXPECT_EQ(a.same_rules, static_cast<int>(lines.size())) << report;
  EXPECT_EQ(a.vigil_only, 0) << report;
  EXPECT_EQ(a.both_flagged, a.oracle_flagged) << report;

  vigil::crs::load_options options;
  options.logged_headers = vigil::crs::headers_logged_by("combined");
  std::vector<vigil::crs::exclusion> parsed;
  for (const auto& e : exclusions) parsed.push_back(vigil::crs::exclusion::parse(e));
  options.extra_directives = vigil::crs::exclusion_directives(parsed);
  evaluator engine(rule_set::load(options));
  vigil::line_parser parser;
  vigil::log_record record;
  request req;
  std::vector<bool> flagged;
  for (const auto& l : lines) {
    ASSERT_TRUE(parser.parse(l, record));
    req.assign(record);
    flagged.push_back(engine.evaluate(req).flagged);
  }
  EXPECT_EQ(flagged, (std::vector<bool>{false, true, true, false, true, false}));
}

TEST(CrsExclusions, MalformedOnesAreRefusedNamingTheWord) {
  EXPECT_THROW(vigil::crs::exclusion::parse("rule=94a100"), std::invalid_argument);
  EXPECT_THROW(vigil::crs::exclusion::parse("path=/x"), std::invalid_argument);
  EXPECT_THROW(vigil::crs::exclusion::parse("rule=1 tag=attack-sqli"), std::invalid_argument);
  EXPECT_THROW(vigil::crs::exclusion::parse("rule=942100 path=search"), std::invalid_argument);
  EXPECT_THROW(vigil::crs::exclusion::parse("rule=942100 path=/a\"b"), std::invalid_argument);
  EXPECT_THROW(vigil::crs::exclusion::parse("rule=942100-942199 arg=q"), std::invalid_argument);
  try {
    vigil::crs::exclusion::parse("rule=942100 arg=q;x");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("arg=q;x"), std::string::npos) << e.what();
  }
}

}  // namespace
