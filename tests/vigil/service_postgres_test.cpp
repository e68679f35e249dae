// The same service on PostgreSQL (a throwaway server from the data area): its own migrations in the
// PostgreSQL dialect, idempotent alert writes, positions that resume a restart, and the query API.
#include "lifespan/data/test_server.hpp"
#include "service_fixture.hpp"

namespace vigil::test {
namespace {

TEST(vigil_serve_postgres, alerts_and_positions_survive_a_restart_on_postgresql) {
  if (!std::filesystem::exists("/usr/lib/postgresql/15/bin/initdb")) GTEST_SKIP() << "PostgreSQL 15 is not installed";
  lifespan::data::test_server pg;
  pg.start();
  const std::string url = pg.fresh_database();
  temp_dir dir;
  const auto log = dir / "access.log";
  append(log, log_lines(0, 200, 8));
  {
    service_under_test s(dir, {log.string()}, {"db.url=" + url});
    ASSERT_TRUE(s.up);
    ASSERT_TRUE(s.wait_stored(200)) << s.pipeline().stats().lines_stored;
    EXPECT_EQ(s.alerts().count(), attacks_in(0, 200, 8));
    // A replay of stored alerts adds nothing.
    service::alert_query all;
    all.limit = 1000;
    auto page = s.alerts().query(all);
    EXPECT_EQ(s.alerts().write(page.alerts), 0u);
    EXPECT_EQ(s.h->stop(), 0);
  }
  append(log, log_lines(200, 300, 8));
  service_under_test s(dir, {log.string()}, {"db.url=" + url});
  ASSERT_TRUE(s.up);
  ASSERT_TRUE(s.wait_stored(100)) << s.pipeline().stats().lines_stored;  // only the new lines
  EXPECT_EQ(s.pipeline().stats().alerts_replayed, 0u);
  EXPECT_EQ(s.alerts().count(), attacks_in(0, 300, 8));
  service::alert_query q;
  q.category = "xss";
  q.limit = 10;
  const auto page = s.alerts().query(q);
  ASSERT_EQ(page.alerts.size(), 10u);
  EXPECT_TRUE(page.next_cursor.has_value());
  EXPECT_EQ(page.alerts.front().client, "10.0.1.40");  // line 296, the newest attack
  EXPECT_GT(page.alerts.front().seq, page.alerts.back().seq);
  EXPECT_EQ(s.h->stop(), 0);
}

}  // namespace
}  // namespace vigil::test
