// The evaluator's baseline shortcut (evaluator_baseline.cpp) against its full interpreter: the same
// verdicts, matches and data on every line, and the shortcut taken where it should be.
#include <gtest/gtest.h>

#include <fstream>

#include "crs/evaluator.hpp"
#include "crs/prefilter.hpp"
#include "gen/traffic_gen.hpp"
#include "parse/line_parser.hpp"

namespace {

using namespace vigil::crs;

request make_request(std::string_view target, std::string_view user_agent = "curl/8.0", std::string_view method = "GET") {
  request r;
  r.assign(method, target, "HTTP/1.1", "example.com", user_agent, "", "192.0.2.1", 200);
  return r;
}

std::string describe(const verdict& v) {
  std::string s = (v.flagged ? "flagged " : "clean ") + std::to_string(v.anomaly_score) + ":";
  for (const auto& m : v.matches) s += " " + std::to_string(m.matched->id) + "@" + m.variable + "=" + m.data;
  return s;
}

// Evaluates `req` through the shortcut and through the full interpreter; returns both descriptions
// and whether the shortcut evaluator had to take the full interpreter.
struct outcome {
  std::string fast, full;
  bool fell_back;
};
outcome both(const std::shared_ptr<const rule_set>& rules, const request& req) {
  evaluator fast(rules), full(rules);
  full.set_shortcuts(false);
  outcome o;
  o.fast = describe(fast.evaluate(req));
  o.full = describe(full.evaluate(req));
  o.fell_back = fast.full_runs() > 0;
  return o;
}

const char* gates = R"(
SecAction "id:1,phase:1,pass,nolog,setvar:tx.allowed_methods=GET HEAD"
SecRule &TX:score "@eq 0" "id:2,phase:1,pass,nolog,setvar:tx.score=0"
SecRule TX:level "@lt 1" "id:3,phase:1,pass,nolog,skipAfter:END"
SecRule REQUEST_METHOD "!@within %{tx.allowed_methods}" "id:10,phase:1,block,msg:'method',setvar:tx.score=+5"
SecRule ARGS "@rx evil" "id:11,phase:2,block,msg:'evil',setvar:tx.score=+3"
SecMarker END
SecRule TX:score "@ge 5" "id:20,phase:2,deny,msg:'blocked',setvar:tx.anomaly_score=%{tx.score}"
)";

TEST(CrsEngineBaseline, RequestRuleMatchingAfterTxOnlyRulesGivesTheFullVerdict) {
  auto rules = rule_set::from_text(gates);
  auto o = both(rules, make_request("/a?x=evil"));
  EXPECT_EQ(o.fast, o.full);
  EXPECT_EQ(o.full, "clean 0: 11@ARGS:x=evil");
  EXPECT_TRUE(o.fell_back);
  o = both(rules, make_request("/a?x=fine"));
  EXPECT_EQ(o.fast, o.full);
  EXPECT_EQ(o.full, "clean 0:");
  EXPECT_FALSE(o.fell_back);
}

TEST(CrsEngineBaseline, TxMacroInTheOperatorIsReadFromTheBaselineState) {
  auto rules = rule_set::from_text(gates);
  auto o = both(rules, make_request("/a?x=evil", "curl/8.0", "DELETE"));
  EXPECT_EQ(o.fast, o.full);
  EXPECT_EQ(o.full, "flagged 8: 10@REQUEST_METHOD=DELETE 11@ARGS:x=evil 20@TX:score=8");
  o = both(rules, make_request("/a", "curl/8.0", "HEAD"));
  EXPECT_EQ(o.fast, o.full);
  EXPECT_FALSE(o.fell_back);
}

TEST(CrsEngineBaseline, SkipAfterOnTheBaselineSkipsTheRequestRules) {
  auto rules = rule_set::from_text(std::string("SecAction \"id:0100,phase:1,pass,nolog,setvar:tx.level=0\"\n") + gates);
  evaluator e(rules);
  EXPECT_EQ(e.checkpoint_count(), 1u);  // 3 skips over 10 in phase 1; 11 (phase 2) is reached
  auto o = both(rules, make_request("/a?x=fine", "curl/8.0", "DELETE"));
  EXPECT_EQ(o.fast, o.full);
  EXPECT_EQ(o.full, "clean 0:");
  EXPECT_FALSE(o.fell_back);
  o = both(rules, make_request("/a?x=evil", "curl/8.0", "DELETE"));
  EXPECT_EQ(o.fast, o.full);
  EXPECT_EQ(o.full, "clean 0: 11@ARGS:x=evil");
}

TEST(CrsEngineBaseline, RuleRemovedByIdIsNotProbed) {
  auto rules = rule_set::from_text(std::string(gates) + "SecRuleRemoveById 11\n");
  EXPECT_EQ(evaluator(rules).checkpoint_count(), 1u);  // rule 10 only
  auto o = both(rules, make_request("/a?x=evil"));
  EXPECT_EQ(o.fast, o.full);
  EXPECT_EQ(o.full, "clean 0:");
  EXPECT_FALSE(o.fell_back);
}

TEST(CrsEngineBaseline, ChainWithATxFirstLinkProbesItsRequestLink) {
  auto rules = rule_set::from_text(R"(
SecAction "id:1,phase:1,pass,nolog,setvar:tx.on=1"
SecRule TX:on "@eq 1" "id:5,phase:2,block,msg:'chain',chain,setvar:tx.anomaly_score=+1"
  SecRule REQUEST_FILENAME "@endsWith .bak" "setvar:tx.anomaly_score=+4"
SecRule TX:anomaly_score "@ge 5" "id:6,phase:2,deny,msg:'blocked'"
)");
  EXPECT_EQ(evaluator(rules).checkpoint_count(), 1u);
  auto o = both(rules, make_request("/site.bak"));
  EXPECT_EQ(o.fast, o.full);
  EXPECT_EQ(o.full, "flagged 5: 5@REQUEST_FILENAME=/site.bak 6@TX:anomaly_score=5");
  o = both(rules, make_request("/site.html"));
  EXPECT_EQ(o.fast, o.full);
  // The first link matched on the baseline and scored 1: the baseline verdict carries it.
  EXPECT_EQ(o.full, "clean 1:");
  EXPECT_FALSE(o.fell_back);
}

TEST(CrsEngineBaseline, NegatedRequestRuleWithCaptureFallsBack) {
  auto rules = rule_set::from_text(R"(
SecRule REQUEST_FILENAME "!@rx ^/(\w+)$" "id:1,phase:1,pass,nolog,capture"
SecRule TX:1 "@streq admin" "id:2,phase:1,deny,msg:'admin'"
)");
  auto o = both(rules, make_request("/admin"));  // no match (negated) but a capture
  EXPECT_EQ(o.fast, o.full);
  EXPECT_EQ(o.full, "flagged 0: 2@TX:1=admin");
  EXPECT_TRUE(o.fell_back);
}

TEST(CrsEngineBaseline, HarmlessMatchStaysOnTheShortcutOnlyWhenNothingReadsIt) {
  // 1 writes a key nobody reads: a match changes nothing observable.
  auto quiet = rule_set::from_text(R"(
SecRule REQUEST_HEADERS:User-Agent "@rx ^.*$" "id:1,phase:1,pass,nolog,t:none,t:sha1,t:hexEncode,setvar:tx.ua_hash=%{MATCHED_VAR}"
SecRule ARGS "@rx evil" "id:2,phase:2,deny,msg:'evil'"
)");
  auto o = both(quiet, make_request("/a?x=fine"));
  EXPECT_EQ(o.fast, o.full);
  EXPECT_FALSE(o.fell_back);
  // The next rule without targets reads MATCHED_VAR, still set by 1: the match is observable.
  auto loud = rule_set::from_text(R"(
SecRule REQUEST_HEADERS:User-Agent "@rx ^.*$" "id:1,phase:1,pass,nolog,setvar:tx.ua_hash=%{MATCHED_VAR}"
SecAction "id:3,phase:1,pass,nolog,setvar:tx.anomaly_score=%{MATCHED_VAR_NAME}"
)");
  o = both(loud, make_request("/a?x=fine"));
  EXPECT_EQ(o.fast, o.full);
  EXPECT_TRUE(o.fell_back);
  // A rule reads the key: the match is observable.
  auto read = rule_set::from_text(R"(
SecRule REQUEST_HEADERS:User-Agent "@rx ^.*$" "id:1,phase:1,pass,nolog,setvar:tx.ua_hash=1"
SecRule TX:ua_hash "@eq 1" "id:4,phase:2,deny,msg:'seen'"
)");
  o = both(read, make_request("/a"));
  EXPECT_EQ(o.fast, o.full);
  EXPECT_EQ(o.full, "flagged 0: 4@TX:ua_hash=1");
}

std::vector<std::string> corpus(const std::string& name) {
  std::ifstream in(std::string(LIFESPAN_SOURCE_DIR) + "/tests/vigil/data/crs/" + name);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

std::vector<std::string> generated(std::size_t n) {
  vigil::gen_options o;
  o.lines = n;
  o.seed = 7;
  vigil::traffic_generator g(o);
  std::vector<std::string> out;
  vigil::gen_line line;
  while (g.next(line)) out.push_back(line.text);
  return out;
}

// `without_host_rule`: 920280 (no Host header) matches every line of a log without $host; without
// it, lines resume the full interpreter at later checkpoints.
// `as_vigil`: vigil's own configuration (the headers of the combined format, REST methods), on
// which benign lines finish on the shortcut past 920440/920450 (evaluator_divergence.cpp).
void expect_same_on(const std::vector<std::string>& lines, int paranoia, bool without_host_rule, bool as_vigil = false) {
  load_options options;
  options.paranoia_level = paranoia;
  if (without_host_rule) options.extra_directives.push_back("SecRuleRemoveById 920280");
  if (as_vigil) options.logged_headers = {"User-Agent", "Referer"};
  auto rules = rule_set::load(options);
  auto filter = std::make_shared<const prefilter>(rules);
  prefilter_scan scan(filter);
  evaluator fast(rules), full(rules);
  full.set_shortcuts(false);
  vigil::line_parser parser;
  vigil::log_record record;
  request req;
  std::size_t evaluated = 0, differing = 0;
  std::string first_difference;
  for (const auto& line : lines) {
    if (!parser.parse(line, record)) continue;
    req.assign(record);
    scan.scan(req);
    ++evaluated;
    std::string a = describe(fast.evaluate(req, &scan)), b = describe(full.evaluate(req, &scan));
    std::string c = describe(full.evaluate(req, nullptr));
    if (a != b || b != c) {
      if (++differing == 1) first_difference = line + "\n  fast " + a + "\n  full " + b + "\n  unfiltered " + c;
    }
  }
  ASSERT_GT(evaluated, 1000u);
  EXPECT_EQ(differing, 0u) << first_difference;
  EXPECT_GT(fast.checkpoint_count(), 10u);
  // Lines that leave the shortcut mostly resume the full interpreter at a checkpoint rather than
  // start over.
  EXPECT_GE(fast.resumed_runs() * 2, fast.full_runs());
  EXPECT_LE(fast.full_runs(), evaluated);
  // CRS's 920440/920450 capture on nearly every line (file extension, header names) into keys no
  // later rule reads: without 920280, most lines finish on the shortcut past them.
  if (as_vigil) {
    EXPECT_GT(fast.diverged_runs() * 2, evaluated);
  }
}

TEST(CrsEngineBaseline, SameVerdictsAsTheFullInterpreterOnTheCorpusAtPL1) {
  expect_same_on(corpus("dev.log"), 1, false);
  expect_same_on(corpus("dev.log"), 1, true);
}
TEST(CrsEngineBaseline, SameVerdictsAsTheFullInterpreterOnTheCorpusAtPL2) {
  expect_same_on(corpus("heldout.log"), 2, false);
  expect_same_on(corpus("heldout.log"), 2, true);
}
TEST(CrsEngineBaseline, SameVerdictsAsTheFullInterpreterOnGeneratedTraffic) {
  expect_same_on(generated(20'000), 1, false);
  expect_same_on(generated(20'000), 1, true);
}
TEST(CrsEngineBaseline, SameVerdictsAsTheFullInterpreterInVigilsConfiguration) {
  expect_same_on(generated(20'000), 1, false, true);
  expect_same_on(corpus("dev.log"), 1, false, true);
  expect_same_on(corpus("heldout.log"), 2, false, true);
}

}  // namespace
