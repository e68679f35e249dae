// The Core Rule Set inside the real service (in-process, real files, real SQLite): a line CRS flags
// is stored as an alert carrying the CRS rule ids, messages, matched data and the anomaly score, and
// the API filters by rule id. A CRS directory that does not exist is not fatal: the service runs on
// vigil's own rules, reports itself degraded naming the path and the package, and a SIGHUP with a
// good path brings CRS in.
#include <filesystem>
#include <fstream>

#include "lifespan/core/service.hpp"
#include "service/live_feed.hpp"
#include "service_fixture.hpp"

namespace vigil::test {
namespace {

// A UNION-based SQL injection vigil's own rules do not know, but CRS's libinjection does.
const std::string sqli_line =
    "198.51.100.9 - - [07/Dec/2026:10:00:00 +0000] \"GET /item?id=1%20AND%201=1%20UNION%20ALL%20SELECT%20"
    "NULL,CONCAT(0x71,0x62),NULL--%20- HTTP/1.1\" 200 12 \"-\" \"sqlmap/1.7.2#stable (https://sqlmap.org)\"\n";

TEST(vigil_serve_crs, an_alert_says_what_crs_said_and_the_api_filters_by_rule_id) {
  temp_dir dir;
  const auto log = dir / "access.log";
  service_under_test s(dir, {log.string()}, {"rules.crs.enabled=true"});
  ASSERT_TRUE(s.up);
  ASSERT_NE(s.rules().crs(), nullptr);
  append(log, sqli_line);
  ASSERT_TRUE(s.wait_stored(1));

  service::alert_query q;
  q.rule = "942100";
  const auto page = s.alerts().query(q);
  ASSERT_EQ(page.alerts.size(), 1u);
  const auto json = service::alert_json(page.alerts.front());
  EXPECT_GE(json["anomaly_score"].get<int>(), 5);
  EXPECT_EQ(json["crs"]["threshold"], 5);
  bool found = false;
  for (const auto& r : json["crs"]["rules"]) {
    if (r["id"] != 942100) continue;
    found = true;
    EXPECT_EQ(r["variable"], "ARGS:id");
    EXPECT_NE(r["data"].get<std::string>().find("UNION ALL SELECT"), std::string::npos) << r;
    EXPECT_NE(r["msg"].get<std::string>().find("SQL Injection"), std::string::npos) << r;
    EXPECT_NE(std::find(r["tags"].begin(), r["tags"].end(), "attack-sqli"), r["tags"].end()) << r;
  }
  EXPECT_TRUE(found) << json;
  EXPECT_NE(std::find(json["rules"].begin(), json["rules"].end(), "942100"), json["rules"].end()) << json;
  EXPECT_NE(std::find(json["categories"].begin(), json["categories"].end(), "sqli"), json["categories"].end());
  EXPECT_NE(json["severity"], "low");

  q.rule = "94210";  // a prefix of an id is not an id
  EXPECT_TRUE(s.alerts().query(q).alerts.empty());
  EXPECT_EQ(s.h->stop(), 0);
}

TEST(vigil_serve_crs, a_missing_crs_directory_degrades_the_service_which_runs_on_its_own_rules) {
  temp_dir dir;
  const auto log = dir / "access.log";
  const auto missing = (dir / "no-such-crs").string();
  service_under_test s(dir, {log.string()}, {"rules.crs.enabled=true", "rules.crs.path=" + missing});
  ASSERT_TRUE(s.up) << "a missing CRS must not fail the critical rules component";
  EXPECT_EQ(s.rules().crs(), nullptr);
  const auto health = s.rules().check_health({});
  ASSERT_TRUE(health.has_value());
  EXPECT_EQ(health->status, lifespan::health_status::degraded);
  EXPECT_NE(health->reason.find(missing), std::string::npos) << health->reason;
  EXPECT_NE(health->reason.find("modsecurity-crs"), std::string::npos) << health->reason;

  // vigil's own rules still flag what they know.
  append(log, log_line(0, 1));
  ASSERT_TRUE(s.wait_stored(1));
  EXPECT_EQ(s.alerts().count(), 1);
  EXPECT_EQ(s.h->stop(), 0);
}

TEST(vigil_serve_crs, exclusions_silence_a_rule_and_allowed_clients_are_never_alerted_on) {
  temp_dir dir;
  const auto log = dir / "access.log";
  service_under_test s(dir, {log.string()},
                       {"rules.crs.enabled=true", "rules.allow_clients=[192.0.2.0/24]",
                        "rules.exclusions=[\"rule=942100 path=/item arg=id\"]"});
  ASSERT_TRUE(s.up);
  const auto from = [](const std::string& client, const std::string& path) {
    return client + " - - [07/Dec/2026:10:00:00 +0000] \"GET " + path +
           "?id=1%27%20or%20%271%27=%271 HTTP/1.1\" 200 12 \"-\" \"Mozilla/5.0 AppleWebKit/537.36\"\n";
  };
  append(log, from("192.0.2.7", "/shop") + from("198.51.100.9", "/item") + from("198.51.100.9", "/shop"));
  ASSERT_TRUE(s.wait_stored(3));
  service::alert_query q;
  q.rule = "942100";
  const auto page = s.alerts().query(q);
  ASSERT_EQ(page.alerts.size(), 1u) << "the allowed client and the excluded path raise nothing";
  EXPECT_EQ(page.alerts.front().client, "198.51.100.9");
  EXPECT_EQ(page.alerts.front().path, "/shop?id=1%27%20or%20%271%27=%271");
  EXPECT_EQ(s.h->stop(), 0);
}

// SIGHUP rebuilds CRS with its exclusions: a broken rule file keeps the set in force and says where;
// a good one (here: the same files plus an exclusion) replaces it for the lines read from then on.
TEST(vigil_serve_crs, a_reload_with_a_broken_crs_file_keeps_the_old_set_and_a_good_one_replaces_it) {
  temp_dir dir;
  const auto log = dir / "access.log";
  const auto crs_dir = dir / "crs";
  std::filesystem::copy("/usr/share/modsecurity-crs/rules", crs_dir, std::filesystem::copy_options::recursive);
  const auto config = dir / "vigil.yaml";
  const auto write_config = [&](const std::string& exclusions) {
    std::ofstream(config) << "rules:\n  crs: {path: " << crs_dir.string() << "}\n  exclusions: " << exclusions << "\n";
  };
  write_config("[]");
  service_under_test s(dir, {log.string()}, {"rules.crs.enabled=true"}, {}, config);
  ASSERT_TRUE(s.up);
  const auto first = s.rules().crs();
  ASSERT_NE(first, nullptr);
  const auto sqli_from = [](int i) {
    return "198.51.100." + std::to_string(i) + sqli_line.substr(sqli_line.find(' '));
  };
  append(log, sqli_from(1));
  ASSERT_TRUE(s.wait_stored(1));
  service::alert_query q;
  q.rule = "942100";
  EXPECT_EQ(s.alerts().query(q).alerts.size(), 1u);

  const auto broken = crs_dir / "REQUEST-942-APPLICATION-ATTACK-SQLI.conf";
  { std::ofstream(broken, std::ios::app) << "\nSecRule ARGS \"@rx (unclosed\" \"id:1942999,phase:2,block\"\n"; }
  s.svc.request_reload();
  ASSERT_TRUE(reloaded(s, 1));
  auto detail = last_reload_detail(s);
  EXPECT_NE(detail.find("REQUEST-942-APPLICATION-ATTACK-SQLI.conf"), std::string::npos) << detail;
  EXPECT_NE(detail.find("stay"), std::string::npos) << detail;
  EXPECT_EQ(s.rules().crs(), first) << "the set in force stays";

  std::filesystem::copy_file("/usr/share/modsecurity-crs/rules/REQUEST-942-APPLICATION-ATTACK-SQLI.conf", broken,
                             std::filesystem::copy_options::overwrite_existing);
  write_config("[\"rule=942100\"]");
  s.svc.request_reload();
  ASSERT_TRUE(reloaded(s, 2));
  EXPECT_NE(s.rules().crs(), first) << last_reload_detail(s);
  append(log, sqli_from(2));
  ASSERT_TRUE(s.wait_stored(2));
  const auto page = s.alerts().query(q);
  ASSERT_EQ(page.alerts.size(), 1u) << "the excluded rule no longer fires";
  EXPECT_EQ(page.alerts.front().client, "198.51.100.1");
  EXPECT_EQ(s.h->stop(), 0);
}

// CRS skips the rules about headers the log does not record: which ones follows pipeline.format,
// at startup and after a SIGHUP, unless rules.crs.logged_headers names them.
TEST(vigil_serve_crs, the_logged_headers_follow_the_log_format_unless_configured) {
  temp_dir dir;
  const auto log = dir / "access.log";
  const auto config = dir / "vigil.yaml";
  std::ofstream(config) << "pipeline:\n  format: '$remote_addr - $remote_user [$time_local] \"$request\" $status "
                           "$body_bytes_sent \"$http_user_agent\" $host'\n";
  service_under_test s(dir, {log.string()}, {"rules.crs.enabled=true"}, {}, config);
  ASSERT_TRUE(s.up);
  ASSERT_NE(s.rules().crs(), nullptr);
  using headers = std::vector<std::string>;
  EXPECT_EQ(s.rules().crs()->rules()->options().logged_headers, (headers{"Host", "User-Agent"}))
      << "the format records no Referer";
  const auto& skipped = s.rules().crs()->rules()->unlogged_header_rules();
  EXPECT_FALSE(skipped.empty()) << "rules reading Referer or Accept are skipped";

  s.svc.request_reload();  // the format still decides after a reload
  ASSERT_TRUE(reloaded(s, 1));
  EXPECT_EQ(s.rules().crs()->rules()->options().logged_headers, (headers{"Host", "User-Agent"}));

  std::ofstream(config, std::ios::app) << "rules:\n  crs: {logged_headers: [User-Agent]}\n";
  s.svc.request_reload();
  ASSERT_TRUE(reloaded(s, 2));
  EXPECT_EQ(s.rules().crs()->rules()->options().logged_headers, (headers{"User-Agent"})) << last_reload_detail(s);
  EXPECT_EQ(s.h->stop(), 0);
}

}  // namespace
}  // namespace vigil::test
