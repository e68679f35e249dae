// The database component over real SQLite files in temporary directories.
#include <gtest/gtest.h>
#include <soci/soci.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <fstream>

#include "child.hpp"
#include "fixture.hpp"

namespace lifespan::test {
namespace {

std::string sqlite_url(const temp_dir& dir, const std::string& file = "data.db") {
  return "sqlite://" + (dir / file).string();
}

TEST(data_sqlite, starts_in_wal_with_a_writer_and_query_only_readers) {
  temp_dir dir;
  db_service s(db_options(sqlite_url(dir)));
  ASSERT_NE(s.db(), nullptr) << s.failure();
  {
    auto w = s.db()->writer();
    *w << "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)";
    *w << "INSERT INTO t (id, name) VALUES (1, 'one')";
  }
  {
    auto r = s.db()->reader();
    std::string mode, name;
    *r << "PRAGMA journal_mode", soci::into(mode);
    EXPECT_EQ(mode, "wal");
    *r << "SELECT name FROM t WHERE id = 1", soci::into(name);
    EXPECT_EQ(name, "one");
    EXPECT_THROW(*r << "INSERT INTO t (id, name) VALUES (2, 'two')", soci::soci_error);
  }
  auto health = s.db()->check_health({});
  ASSERT_TRUE(health.has_value());
  EXPECT_EQ(health->status, health_status::ok);
  EXPECT_EQ(s.h.stop(), 0);
}

TEST(data_sqlite, in_memory_database_serves_reads_and_writes_on_one_connection) {
  auto schema = std::make_shared<data::schema>();
  schema->add("notes", {{1, "CREATE TABLE notes (n INTEGER)"}});
  db_service s(db_options("sqlite://:memory:"), schema);
  ASSERT_NE(s.db(), nullptr) << s.failure();
  *s.db()->writer() << "INSERT INTO notes VALUES (7)";
  int n = 0;
  *s.db()->reader() << "SELECT n FROM notes", soci::into(n);
  EXPECT_EQ(n, 7);
  EXPECT_EQ(s.db()->schema_version("notes"), 1);
}

TEST(data_sqlite, missing_directory_is_a_clear_startup_error) {
  temp_dir dir;
  db_service s(db_options("sqlite://" + (dir / "no/such/dir/data.db").string()));
  EXPECT_EQ(s.h.join(), std::optional<int>(exit_startup_failed));
  const std::string why = s.failure();
  EXPECT_NE(why.find("database 'db'"), std::string::npos) << why;
  EXPECT_NE(why.find("cannot open the SQLite file"), std::string::npos) << why;
  EXPECT_NE(why.find("directory exists"), std::string::npos) << why;
}

TEST(data_sqlite, malformed_url_is_a_configuration_error_without_the_password) {
  temp_dir dir;
  { std::ofstream(dir / "config.yaml") << "db:\n  url: postgresql://u:hunter2@/nodb\n"; }
  auto options = quiet();
  options.config_file = dir / "config.yaml";
  service svc("datatest", options);
  svc.add<data::database>("db");
  const auto errors = svc.check();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("db.url"), std::string::npos) << errors[0];
  EXPECT_NE(errors[0].find("no host"), std::string::npos) << errors[0];
  EXPECT_EQ(errors[0].find("hunter2"), std::string::npos) << errors[0];
}

// Root ignores file modes, so the read-only case runs in a child process that drops to nobody.
TEST(data_sqlite, read_only_file_is_a_clear_startup_error) {
  temp_dir dir;
  const auto file = dir / "ro.db";
  {
    db_service s(db_options("sqlite://" + file.string()));  // create a valid database first
    ASSERT_NE(s.db(), nullptr) << s.failure();
    EXPECT_EQ(s.h.stop(), 0);
  }
  ::chmod(file.c_str(), 0444);
  ::chmod(dir.path().c_str(), 0755);
  child_process child("read_only", {{"LIFESPAN_DATA_URL", "sqlite://" + file.string()}}, dir / "out");
  const int status = child.wait();
  const std::string why = child.output();
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status << why;
  EXPECT_NE(why.find("read-only"), std::string::npos) << why;
  EXPECT_NE(why.find("write access"), std::string::npos) << why;
}

}  // namespace
}  // namespace lifespan::test
