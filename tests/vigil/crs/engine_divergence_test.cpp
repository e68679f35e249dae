// The baseline shortcut past a divergence (evaluator_divergence.cpp): a checkpoint's rule that only
// writes TX keys no later rule reads keeps the line on the shortcut; any reader sends it to the full
// interpreter. Every case compares the shortcut with the full interpreter.
#include <gtest/gtest.h>

#include "crs/evaluator.hpp"

namespace {

using namespace vigil::crs;

request make_request(std::string_view target, std::string_view user_agent = "curl/8.0") {
  request r;
  r.assign("GET", target, "HTTP/1.1", "example.com", user_agent, "", "192.0.2.1", 200);
  return r;
}

std::string describe(const verdict& v) {
  std::string s = (v.flagged ? "flagged " : "clean ") + std::to_string(v.anomaly_score) + ":";
  for (const auto& m : v.matches) s += " " + std::to_string(m.matched->id) + "@" + m.variable + "=" + m.data;
  return s;
}

struct outcome {
  std::string fast, full;
  std::size_t full_runs, diverged;
};
outcome both(const std::string& text, const request& req) {
  auto rules = rule_set::from_text(text);
  evaluator fast(rules), full(rules);
  full.set_shortcuts(false);
  outcome o;
  o.fast = describe(fast.evaluate(req));
  o.full = describe(full.evaluate(req));
  o.full_runs = fast.full_runs();
  o.diverged = fast.diverged_runs();
  return o;
}

// 920440's shape: capture the extension, store it, check it against a list in the chain.
const char* extension_rule = R"(
SecAction "id:1,phase:1,pass,nolog,setvar:tx.restricted=.bak/ .sql/,setvar:tx.anomaly_score=0"
SecRule REQUEST_BASENAME "@rx \.([^.]+)$" "id:10,phase:2,block,capture,msg:'ext',setvar:'tx.extension=.%{tx.1}/',chain"
  SecRule TX:EXTENSION "@within %{tx.restricted}" "setvar:tx.anomaly_score=+5"
SecRule ARGS "@rx evil" "id:11,phase:2,block,msg:'evil',setvar:tx.anomaly_score=+5"
SecRule TX:anomaly_score "@ge 5" "id:20,phase:2,deny,msg:'blocked'"
)";

TEST(CrsEngineDivergence, CaptureIntoUnreadKeysStaysOnTheShortcut) {
  auto o = both(extension_rule, make_request("/index.html?x=1"));
  EXPECT_EQ(o.fast, o.full);
  EXPECT_EQ(o.full, "clean 0:");
  EXPECT_EQ(o.full_runs, 0u);
  EXPECT_EQ(o.diverged, 1u);
}

TEST(CrsEngineDivergence, AChainThatCompletesAndLogsResumes) {
  auto o = both(extension_rule, make_request("/site.bak"));
  EXPECT_EQ(o.fast, o.full);
  EXPECT_EQ(o.full, "flagged 5: 10@TX:extension=.bak/ 20@TX:anomaly_score=5");
  EXPECT_EQ(o.full_runs, 1u);
}

TEST(CrsEngineDivergence, ALaterMatchAfterADivergenceResumesAtTheDivergence) {
  auto o = both(extension_rule, make_request("/index.html?x=evil"));
  EXPECT_EQ(o.fast, o.full);
  EXPECT_EQ(o.full, "flagged 5: 11@ARGS:x=evil 20@TX:anomaly_score=5");
  EXPECT_EQ(o.full_runs, 1u);
}

TEST(CrsEngineDivergence, ALaterRuleReadingADivergentKeyEndsTheShortcut) {
  // 30 reads TX:1, which 10's capture changed: its outcome is the line's, not the baseline's.
  auto o = both(std::string(extension_rule) + R"(SecRule TX:1 "@streq html" "id:30,phase:2,pass,msg:'read'")",
                make_request("/index.html"));
  EXPECT_EQ(o.fast, o.full);
  EXPECT_EQ(o.full, "clean 0: 30@TX:1=html");
  EXPECT_EQ(o.full_runs, 1u);
  EXPECT_EQ(o.diverged, 0u);
}

TEST(CrsEngineDivergence, ASecondDivergenceReadingTheFirstsKeysResumes) {
  // 40's setvar reads %{tx.1}, which 10 changed: evaluating it in the baseline state would be wrong.
  auto o = both(std::string(extension_rule) + R"x(
SecRule REQUEST_FILENAME "@rx ^/(i)" "id:40,phase:2,pass,nolog,capture,setvar:'tx.first=%{tx.1}',chain"
  SecRule TX:first "@streq never" "t:none"
SecRule TX:first "@streq i" "id:41,phase:2,pass,msg:'first'")x",
                make_request("/index.html"));
  EXPECT_EQ(o.fast, o.full);
  EXPECT_EQ(o.full, "clean 0: 41@TX:first=i");
  EXPECT_EQ(o.full_runs, 1u);
}

TEST(CrsEngineDivergence, OwnCaptureOfGroupZeroIsNotAReadOfTheEarlierOne) {
  // 920450's shape: the setvar reads %{tx.0}, which its own match has just captured.
  auto o = both(std::string(extension_rule) + R"(
SecRule REQUEST_HEADERS_NAMES "@rx ^.*$" "id:50,phase:2,block,capture,t:lowercase,msg:'h',setvar:'tx.header_name_%{tx.0}=/%{tx.0}/',chain"
  SecRule TX:/^header_name_/ "@within /proxy-connection/" "setvar:tx.anomaly_score=+5")",
                make_request("/index.html"));
  EXPECT_EQ(o.fast, o.full);
  EXPECT_EQ(o.full, "clean 0:");
  EXPECT_EQ(o.full_runs, 0u);
  EXPECT_EQ(o.diverged, 1u);
}

TEST(CrsEngineDivergence, TheVerdictsScoreIsARead) {
  // A quiet rule (nolog, pass) that scores: the line's anomaly_score is not the baseline's.
  auto o = both(R"(
SecAction "id:1,phase:1,pass,nolog,setvar:tx.anomaly_score=0"
SecRule REQUEST_FILENAME "@rx ^/index" "id:10,phase:2,pass,nolog,capture,setvar:tx.anomaly_score=+2"
)",
                make_request("/index.html"));
  EXPECT_EQ(o.fast, o.full);
  EXPECT_EQ(o.full, "clean 2:");
  EXPECT_EQ(o.full_runs, 1u);
}

}  // namespace
