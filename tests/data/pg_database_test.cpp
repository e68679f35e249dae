// The database component against a real PostgreSQL 15 server started by the test program.
#include <gtest/gtest.h>
#include <soci/soci.h>

#include "child.hpp"
#include "fixture.hpp"
#include "pg.hpp"

namespace lifespan::test {
namespace {

bool has_event(const testing::harness& h, event_kind kind, const std::string& component) {
  for (const auto& e : h.events())
    if (e.kind == kind && e.component == component) return true;
  return false;
}

TEST(data_postgresql, connects_with_statement_timeout_and_migrates) {
  const std::string url = pg().fresh_database();
  auto schema = std::make_shared<data::schema>();
  schema->add("alerts", {{1, "CREATE TABLE IF NOT EXISTS alerts (id BIGINT PRIMARY KEY, what TEXT)"},
                         {2, "CREATE INDEX IF NOT EXISTS alerts_what ON alerts (what); ALTER TABLE alerts ADD COLUMN "
                             "IF NOT EXISTS severity INT NOT NULL DEFAULT 0"}});
  auto o = db_options(url);
  o.statement_timeout = 1500ms;
  db_service s(o, schema);
  ASSERT_NE(s.db(), nullptr) << s.failure();
  EXPECT_EQ(s.db()->schema_version("alerts"), 2);
  EXPECT_EQ(s.db()->redacted_url().find(data::test_server::password), std::string::npos);
  *s.db()->writer() << "INSERT INTO alerts (id, what) VALUES (1, 'scan')";
  {
    auto r = s.db()->reader();
    std::string timeout;
    int severity = -1;
    *r << "SHOW statement_timeout", soci::into(timeout);
    EXPECT_EQ(timeout, "1500ms");
    *r << "SELECT severity FROM alerts WHERE id = 1", soci::into(severity);
    EXPECT_EQ(severity, 0);
    EXPECT_THROW(*r << "SELECT pg_sleep(3)", soci::soci_error);  // cancelled by the statement timeout
  }
  EXPECT_EQ(s.h.stop(), 0);
}

TEST(data_postgresql, wrong_credentials_are_named_without_the_password) {
  const std::string url = pg().url();
  const std::string bad = "postgresql://lifespan:WrongPass123@127.0.0.1:" + std::to_string(pg().port()) + "/postgres";
  db_service s(db_options(bad));
  EXPECT_EQ(s.h.join(), std::optional<int>(exit_startup_failed));
  const std::string why = s.failure();
  EXPECT_NE(why.find("wrong credentials"), std::string::npos) << why;
  EXPECT_NE(why.find("postgresql://lifespan:***@127.0.0.1"), std::string::npos) << why;
  EXPECT_EQ(why.find("WrongPass123"), std::string::npos) << why;
}

TEST(data_postgresql, unreachable_hosts_are_named) {
  {
    data::test_server closed;  // never started: nothing listens on a port it would use
    db_service s(db_options("postgresql://u:pw1234@127.0.0.1:1/db"));
    EXPECT_EQ(s.h.join(), std::optional<int>(exit_startup_failed));
    EXPECT_NE(s.failure().find("nothing listens on 127.0.0.1:1"), std::string::npos) << s.failure();
  }
  db_service s(db_options("postgresql://u:pw1234@no-such-host.invalid:5432/db"));
  EXPECT_EQ(s.h.join(), std::optional<int>(exit_startup_failed));
  EXPECT_NE(s.failure().find("does not resolve"), std::string::npos) << s.failure();
  EXPECT_EQ(s.failure().find("pw1234"), std::string::npos) << s.failure();
}

TEST(data_postgresql, an_outage_degrades_and_recovery_is_automatic) {
  const std::string url = pg().fresh_database();
  db_service s(db_options(url));
  ASSERT_NE(s.db(), nullptr) << s.failure();
  pg_unstarted().stop();
  ASSERT_TRUE(s.h.wait_for_event(event_kind::component_degraded, "db"));
  EXPECT_FALSE(s.db()->available());
  EXPECT_TRUE(s.svc.is_degraded());
  try {  // callers (and HTTP routes, which answer 503 naming it) learn which component cannot serve
    s.db()->writer();
    ADD_FAILURE() << "a writer during the outage";
  } catch (const component_unavailable& e) {
    EXPECT_EQ(e.component(), "db");
    EXPECT_EQ(std::string(e.what()).find(data::test_server::password), std::string::npos) << e.what();
  }
  for (const auto& e : s.h.events())
    if (e.kind == event_kind::component_degraded) {
      EXPECT_EQ(e.detail.find(data::test_server::password), std::string::npos) << e.detail;
      EXPECT_NE(e.detail.find("database 'db'"), std::string::npos) << e.detail;
    }
  pg().start();
  ASSERT_TRUE(s.h.wait_for_event(event_kind::component_recovered, "db", 30s)) << [&] {
    std::string all;
    for (const auto& e : s.h.events()) all += std::string(to_string(e.kind)) + " " + e.component + " " + e.detail + "\n";
    return all;
  }();
  EXPECT_TRUE(s.db()->available());
  int one = 0;
  *s.db()->writer() << "SELECT 1", soci::into(one);
  EXPECT_EQ(one, 1);
  EXPECT_TRUE(has_event(s.h, event_kind::component_recovered, "db"));
}

TEST(data_postgresql, two_processes_migrating_one_fresh_database_apply_each_step_once) {
  const std::string url = pg().fresh_database();
  temp_dir dir;
  child_process a("migrate", {{"LIFESPAN_DATA_URL", url}}, dir / "a.out");
  child_process b("migrate", {{"LIFESPAN_DATA_URL", url}}, dir / "b.out");
  const int status_a = a.wait(), status_b = b.wait();
  ASSERT_TRUE(WIFEXITED(status_a) && WEXITSTATUS(status_a) == 0) << a.output();
  ASSERT_TRUE(WIFEXITED(status_b) && WEXITSTATUS(status_b) == 0) << b.output();
  EXPECT_NE(a.output().find("migrated to 2"), std::string::npos) << a.output();
  EXPECT_NE(b.output().find("migrated to 2"), std::string::npos) << b.output();
  db_service s(db_options(url));
  ASSERT_NE(s.db(), nullptr) << s.failure();
  int ones = 0, twos = 0;
  *s.db()->reader() << "SELECT count(*) FILTER (WHERE who = 1), count(*) FILTER (WHERE who = 2) FROM race_log",
      soci::into(ones), soci::into(twos);
  EXPECT_EQ(ones, 1);
  EXPECT_EQ(twos, 1);
}

}  // namespace
}  // namespace lifespan::test
