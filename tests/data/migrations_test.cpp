// Migrations applied by the database component's start, against real SQLite files.
#include <gtest/gtest.h>
#include <soci/soci.h>

#include "fixture.hpp"

namespace lifespan::test {
namespace {

using data::migration;

std::shared_ptr<data::schema> alerts_schema(int steps) {
  // Step 2 has no IF NOT EXISTS: running it twice fails, so a passing second start proves it ran once.
  std::vector<migration> all = {
      {1, "CREATE TABLE IF NOT EXISTS alerts (id INTEGER PRIMARY KEY, what TEXT NOT NULL)"},
      {2, "CREATE TABLE alert_notes (alert INTEGER, note TEXT); CREATE INDEX alert_notes_alert ON alert_notes (alert)"},
      {3, "ALTER TABLE alerts ADD COLUMN severity INTEGER NOT NULL DEFAULT 0"},
  };
  all.resize(static_cast<std::size_t>(steps));
  auto s = std::make_shared<data::schema>();
  s->add("alerts", all);
  s->add("blocks", {{1, "CREATE TABLE IF NOT EXISTS blocks (ip TEXT PRIMARY KEY)"}});
  return s;
}

TEST(data_migrations, apply_in_order_once_and_record_each_owner_version) {
  temp_dir dir;
  const auto url = "sqlite://" + (dir / "m.db").string();
  {
    db_service s(db_options(url), alerts_schema(2));
    ASSERT_NE(s.db(), nullptr) << s.failure();
    EXPECT_EQ(s.db()->schema_version("alerts"), 2);
    EXPECT_EQ(s.db()->schema_version("blocks"), 1);
    EXPECT_EQ(s.db()->schema_version("nobody"), 0);
    EXPECT_EQ(s.h.stop(), 0);
  }
  db_service s(db_options(url), alerts_schema(3));  // only step 3 is pending
  ASSERT_NE(s.db(), nullptr) << s.failure();
  EXPECT_EQ(s.db()->schema_version("alerts"), 3);
  *s.db()->writer() << "INSERT INTO alerts (id, what) VALUES (1, 'scan')";
  auto r = s.db()->reader();
  int severity = -1;
  *r << "SELECT severity FROM alerts WHERE id = 1", soci::into(severity);
  EXPECT_EQ(severity, 0);
}

TEST(data_migrations, a_failing_step_rolls_back_the_whole_run) {
  temp_dir dir;
  auto schema = std::make_shared<data::schema>();
  schema->add("good", {{1, "CREATE TABLE good (x INTEGER)"}});
  schema->add("bad", {{1, "CREATE TABLE bad (x INTEGER)"}, {2, "CREATE TABLE oops (x NOTATYPE, )"}});
  db_service s(db_options("sqlite://" + (dir / "m.db").string()), schema);
  EXPECT_EQ(s.h.join(), std::optional<int>(exit_startup_failed));
  const std::string why = s.failure();
  EXPECT_NE(why.find("migration bad #2 failed"), std::string::npos) << why;
  EXPECT_NE(why.find("rolled back"), std::string::npos) << why;

  db_service check(db_options("sqlite://" + (dir / "m.db").string()));
  ASSERT_NE(check.db(), nullptr) << check.failure();
  EXPECT_EQ(check.db()->schema_version("good"), 0);
  auto r = check.db()->reader();
  int tables = -1;
  *r << "SELECT count(*) FROM sqlite_master WHERE name IN ('good', 'bad')", soci::into(tables);
  EXPECT_EQ(tables, 0);
}

TEST(data_migrations, a_schema_newer_than_the_code_is_refused) {
  temp_dir dir;
  const auto url = "sqlite://" + (dir / "m.db").string();
  {
    db_service s(db_options(url), alerts_schema(3));
    ASSERT_NE(s.db(), nullptr) << s.failure();
  }
  db_service s(db_options(url), alerts_schema(2));
  EXPECT_EQ(s.h.join(), std::optional<int>(exit_startup_failed));
  const std::string why = s.failure();
  EXPECT_NE(why.find("'alerts' is at version 3, newer than this build knows (up to 2)"), std::string::npos) << why;
}

TEST(data_migrations, registration_rejects_gaps_and_duplicates) {
  data::schema s;
  EXPECT_THROW(s.add("x", {{1, "SELECT 1"}, {3, "SELECT 1"}}), std::invalid_argument);
  EXPECT_THROW(s.add("", {{1, "SELECT 1"}}), std::invalid_argument);
  s.add("x", {{1, "SELECT 1"}});
  EXPECT_THROW(s.add("x", {{1, "SELECT 1"}}), std::invalid_argument);
}

TEST(data_migrations, migrate_at_runtime_is_idempotent) {
  temp_dir dir;
  db_service s(db_options("sqlite://" + (dir / "m.db").string()));
  ASSERT_NE(s.db(), nullptr) << s.failure();
  const std::vector<migration> steps = {{1, "CREATE TABLE late (x INTEGER)"}};
  s.db()->migrate("late", steps);
  s.db()->migrate("late", steps);  // CREATE TABLE without IF NOT EXISTS: a second run would fail
  EXPECT_EQ(s.db()->schema_version("late"), 1);
}

TEST(data_migrations, migrate_only_applies_then_stops_the_service) {
  temp_dir dir;
  auto schema = alerts_schema(1);
  service svc("datatest", quiet());
  auto o = db_options("sqlite://" + (dir / "m.db").string());
  svc.add_factory<data::database>("db", [&] {
    return std::make_unique<data::database>(o, schema, [&svc] { svc.request_shutdown(0); });
  });
  auto grabbed = std::make_shared<std::atomic<data::database*>>(nullptr);
  svc.add<grab<data::database>>("grab", grabbed).depends_on<data::database>();
  testing::harness h(svc);
  h.start();
  EXPECT_EQ(h.join(), std::optional<int>(0));
  EXPECT_TRUE(h.components_with(event_kind::component_starting) == std::vector<std::string>{"db"});

  db_service check(db_options("sqlite://" + (dir / "m.db").string()));
  ASSERT_NE(check.db(), nullptr) << check.failure();
  EXPECT_EQ(check.db()->schema_version("alerts"), 1);
}

TEST(data_migrations, migrate_only_flag_is_taken_out_of_argv) {
  std::string a0 = "svc", a1 = "--config", a2 = "x.yaml", a3 = "--migrate-only";
  char* argv[] = {a0.data(), a1.data(), a3.data(), a2.data()};
  int argc = 4;
  EXPECT_TRUE(data::migrate_only_requested(argc, argv));
  ASSERT_EQ(argc, 3);
  EXPECT_STREQ(argv[2], "x.yaml");
  EXPECT_FALSE(data::migrate_only_requested(argc, argv));
}

}  // namespace
}  // namespace lifespan::test
