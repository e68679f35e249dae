// The rule engine component: SIGHUP-style reloads while lines flow; a bad rule set keeps the old one.
#include "service_fixture.hpp"

namespace vigil::test {
namespace {

const char* const one_rule = R"(rules:
  - id: test-xss
    category: xss
    severity: high
    field: target
    pattern: '<script'
)";

const char* const two_rules = R"(rules:
  - id: test-xss
    category: xss
    severity: high
    field: target
    pattern: '<script'
  - id: test-products
    category: canary
    severity: low
    field: target
    pattern: '/products/7\b'
)";

const char* const broken_rules = R"(rules:
  - id: test-xss
    category: xss
    severity: high
    field: target
    pattern: '<script'
  - id: test-broken
    category: sqli
    severity: high
    field: target
    pattern: 'union(select'
)";

TEST(vigil_serve_reload, a_bad_rule_set_keeps_the_old_one_and_names_the_rule) {
  temp_dir dir;
  const auto log = dir / "access.log";
  const auto rules = dir / "rules.yaml";
  { std::ofstream(rules) << one_rule; }
  service_under_test s(dir, {log.string()}, {"rules.path=" + rules.string()});
  ASSERT_TRUE(s.up);
  ASSERT_EQ(s.rules().engine().current()->rules().size(), 1u);

  append(log, log_lines(0, 100, 10));
  ASSERT_TRUE(s.wait_stored(100));
  EXPECT_EQ(s.pipeline().stats().alerts_stored, 10u);

  { std::ofstream(rules) << broken_rules; }
  s.svc.request_reload();
  ASSERT_TRUE(reloaded(s, 1));
  const auto detail = last_reload_detail(s);
  EXPECT_NE(detail.find("test-broken"), std::string::npos) << detail;
  EXPECT_EQ(s.rules().engine().current()->rules().size(), 1u);
  EXPECT_EQ(s.rules().engine().generation(), 1u);

  // Lines keep flowing through the old set: no line dropped, the same verdicts.
  append(log, log_lines(100, 200, 10));
  ASSERT_TRUE(s.wait_stored(200));
  EXPECT_EQ(s.pipeline().stats().alerts_stored, 20u);

  // A good set replaces it; the new rule applies to lines read from then on.
  { std::ofstream(rules) << two_rules; }
  s.svc.request_reload();
  ASSERT_TRUE(reloaded(s, 2));
  EXPECT_EQ(last_reload_detail(s).find("rules:"), std::string::npos) << last_reload_detail(s);
  EXPECT_EQ(s.rules().engine().current()->rules().size(), 2u);
  EXPECT_TRUE(s.rules().last_reload().ok);
  append(log, log_line(7, 0, "canary"));  // "/products/7?t=canary": only the new rule matches
  ASSERT_TRUE(s.wait_stored(201));
  EXPECT_EQ(s.pipeline().stats().alerts_stored, 21u);
  auto page = s.alerts().query({});
  ASSERT_FALSE(page.alerts.empty());
  EXPECT_EQ(page.alerts.front().rule_ids, std::vector<std::string>{"test-products"});
  EXPECT_EQ(s.h->stop(), 0);
}

// rules.d: a site's own file adds a rule; SIGHUP after `enabled: false` takes it out, and a broken
// file keeps the set in force, naming the file.
TEST(vigil_serve_reload, rules_d_files_are_added_turned_off_and_checked_on_sighup) {
  temp_dir dir;
  const auto log = dir / "access.log";
  const auto rules = dir / "rules.yaml";
  const auto rules_d = dir / "rules.d";
  std::filesystem::create_directory(rules_d);
  { std::ofstream(rules) << one_rule; }
  const std::string site_rule = "  - {id: site-canary, category: canary, severity: low, field: target, pattern: '/products/7\\b'}\n";
  { std::ofstream(rules_d / "10-site.yaml") << "rules:\n" << site_rule; }
  service_under_test s(dir, {log.string()}, {"rules.path=" + rules.string(), "rules.dir=" + rules_d.string()});
  ASSERT_TRUE(s.up);
  ASSERT_EQ(s.rules().engine().current()->rules().size(), 2u);
  append(log, log_line(7, 0, "canary"));
  ASSERT_TRUE(s.wait_stored(1));
  EXPECT_EQ(s.pipeline().stats().alerts_stored, 1u);

  { std::ofstream(rules_d / "10-site.yaml") << "enabled: false\nrules:\n" << site_rule; }
  s.svc.request_reload();
  ASSERT_TRUE(reloaded(s, 1));
  ASSERT_EQ(s.rules().engine().current()->rules().size(), 1u);
  const auto files = s.rules().engine().current()->files();
  ASSERT_EQ(files.size(), 2u);
  EXPECT_FALSE(files[1].enabled);
  append(log, log_line(7, 0, "again"));
  ASSERT_TRUE(s.wait_stored(2));
  EXPECT_EQ(s.pipeline().stats().alerts_stored, 1u);  // the turned-off rule no longer alerts

  { std::ofstream(rules_d / "20-broken.yaml") << "rules:\n  - {id: b, category: c, severity: high, field: target, pattern: 'a(b'}\n"; }
  s.svc.request_reload();
  ASSERT_TRUE(reloaded(s, 2));
  EXPECT_NE(last_reload_detail(s).find("20-broken.yaml"), std::string::npos) << last_reload_detail(s);
  EXPECT_EQ(s.rules().engine().current()->rules().size(), 1u);
  EXPECT_EQ(s.h->stop(), 0);
}

TEST(vigil_serve_reload, an_invalid_rules_file_fails_validation_naming_the_rule) {
  temp_dir dir;
  const auto rules = dir / "rules.yaml";
  { std::ofstream(rules) << broken_rules; }
  lifespan::service svc("vigil", quiet({"db.url=sqlite://" + (dir / "v.db").string(), "rules.path=" + rules.string(),
                                    "models.root=" + (dir / "models").string()}));
  service::assemble(svc);
  const auto problems = svc.check();
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("rules.path"), std::string::npos) << problems[0];
  EXPECT_NE(problems[0].find("test-broken"), std::string::npos) << problems[0];
  EXPECT_FALSE(std::filesystem::exists(dir / "v.db"));  // validation has no side effects
}

}  // namespace
}  // namespace vigil::test
