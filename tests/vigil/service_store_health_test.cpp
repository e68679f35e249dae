// The alert store's health: degraded while commits fail (another connection holds the write lock, on
// SQLite and PostgreSQL), back to up once one commits; on SQLite, degraded when the database file is
// removed or replaced under the running service.
#include <soci/soci.h>

#include "lifespan/data/test_server.hpp"
#include "lifespan/data/url.hpp"
#include "service_fixture.hpp"

namespace vigil::test {
namespace {

std::string reason_of(service_under_test& s) {
  const auto h = s.alerts().check_health({});
  return h ? h->reason : std::string("(no health check)");
}

// While `block` holds, commits fail: the store turns degraded naming the failure; after `unblock`
// the retried batch commits and the store is up again, with no line lost.
void expect_degraded_while_blocked(service_under_test& s, const std::filesystem::path& log,
                                   const std::function<void()>& block, const std::function<void()>& unblock,
                                   std::string_view error) {
  ASSERT_TRUE(s.up);
  append(log, log_lines(0, 50, 10));
  ASSERT_TRUE(s.wait_stored(50));
  block();
  append(log, log_lines(50, 100, 10));
  // Before: only a counter rose; health stayed ok.
  ASSERT_TRUE(s.h->wait_for_event(lifespan::event_kind::component_degraded, "alerts", 30s)) << reason_of(s);
  const auto reason = reason_of(s);
  EXPECT_NE(reason.find("storing alerts failed"), std::string::npos) << reason;
  EXPECT_NE(reason.find(error), std::string::npos) << reason;
  EXPECT_TRUE(s.svc.is_degraded());
  EXPECT_GT(s.pipeline().stats().store_errors, 0u);
  unblock();
  ASSERT_TRUE(s.wait_stored(100)) << reason_of(s);
  EXPECT_EQ(s.alerts().count(), attacks_in(0, 100, 10));
  ASSERT_TRUE(s.h->wait_for_event(lifespan::event_kind::component_recovered, "alerts", 30s)) << reason_of(s);
  EXPECT_EQ(s.alerts().check_health({})->status, lifespan::health_status::ok);
}

TEST(vigil_serve_store_health, degraded_while_another_connection_holds_the_sqlite_write_lock) {
  temp_dir dir;
  const auto log = dir / "access.log";
  service_under_test s(dir, {log.string()}, {"db.busy_timeout=50ms", "alerts.health_interval=100ms"});
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open_v2(s.db_file.c_str(), &other, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
  sqlite3_busy_timeout(other, 10000);
  const auto exec = [&](const char* sql) { ASSERT_EQ(sqlite3_exec(other, sql, nullptr, nullptr, nullptr), SQLITE_OK) << sql; };
  expect_degraded_while_blocked(s, log, [&] { exec("BEGIN EXCLUSIVE"); }, [&] { exec("ROLLBACK"); }, "database is locked");
  sqlite3_close(other);
  EXPECT_EQ(s.h->stop(), 0);
}

TEST(vigil_serve_store_health, degraded_while_a_postgresql_lock_times_the_commits_out) {
  if (!std::filesystem::exists("/usr/lib/postgresql/15/bin/initdb")) GTEST_SKIP() << "PostgreSQL 15 is not installed";
  lifespan::data::test_server pg;
  pg.start();
  const auto url = pg.fresh_database();
  temp_dir dir;
  const auto log = dir / "access.log";
  service_under_test s(dir, {log.string()}, {"db.url=" + url, "db.statement_timeout=300ms", "alerts.health_interval=100ms"});
  soci::session other("postgresql", lifespan::data::database_url::parse(url).conninfo(5, 0, "vigil-test"));
  expect_degraded_while_blocked(
      s, log, [&] { other << "BEGIN"; other << "LOCK TABLE vigil_positions IN EXCLUSIVE MODE"; },
      [&] { other << "COMMIT"; }, "statement timeout");
  EXPECT_EQ(s.h->stop(), 0);
}

TEST(vigil_serve_store_health, a_removed_or_replaced_sqlite_file_is_reported) {
  temp_dir dir;
  const auto log = dir / "access.log";
  const auto db = dir / "db" / "vigil.db";
  std::filesystem::create_directories(db.parent_path());
  service_under_test s(dir, {log.string()}, {"db.url=sqlite://" + db.string(), "alerts.health_interval=100ms"});
  ASSERT_TRUE(s.up);
  EXPECT_EQ(s.alerts().check_health({})->status, lifespan::health_status::ok);
  std::filesystem::remove_all(db.parent_path());
  // Before: vigil went on writing into the unlinked file, and nothing said so.
  ASSERT_TRUE(s.h->wait_for_event(lifespan::event_kind::component_degraded, "alerts", 30s)) << reason_of(s);
  auto reason = reason_of(s);
  EXPECT_NE(reason.find("the database file " + db.string() + " is gone"), std::string::npos) << reason;
  EXPECT_NE(reason.find("restart vigil"), std::string::npos) << reason;

  std::filesystem::create_directories(db.parent_path());
  append(db, "");  // another (empty) file at the path now
  reason = reason_of(s);
  EXPECT_NE(reason.find("the database file " + db.string() + " was replaced"), std::string::npos) << reason;
  EXPECT_EQ(s.h->stop(), 0);
}

}  // namespace
}  // namespace vigil::test
