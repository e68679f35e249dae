#include <gtest/gtest.h>

#include "lifespan/data/url.hpp"

namespace lifespan::data {
namespace {

TEST(data_url, sqlite_absolute_and_relative_paths) {
  EXPECT_EQ(database_url::parse("sqlite:///var/lib/app/data.db").path, "/var/lib/app/data.db");
  EXPECT_EQ(database_url::parse("sqlite://data.db").path, "data.db");
  EXPECT_EQ(database_url::parse("sqlite://:memory:").path, ":memory:");
  EXPECT_EQ(database_url::parse("SQLITE:///x.db").kind, backend::sqlite);
}

TEST(data_url, postgresql_parts_are_decoded) {
  auto u = database_url::parse("postgresql://alice:p%40ss%3Aword@db.example:6543/shop?sslmode=disable");
  EXPECT_EQ(u.kind, backend::postgresql);
  EXPECT_EQ(u.user, "alice");
  EXPECT_EQ(u.password, "p@ss:word");
  EXPECT_EQ(u.host, "db.example");
  EXPECT_EQ(u.port, 6543);
  EXPECT_EQ(u.database, "shop");
  ASSERT_EQ(u.parameters.size(), 1u);
  EXPECT_EQ(u.parameters[0].second, "disable");
  EXPECT_EQ(database_url::parse("postgres://h/db").port, 5432);
}

TEST(data_url, redacted_forms_never_hold_the_password) {
  auto u = database_url::parse("postgresql://alice:s3cret-pw@h:5432/db?password=other-secret");
  EXPECT_EQ(u.redacted(), "postgresql://alice:***@h:5432/db?password=***");
  EXPECT_EQ(u.scrub("FATAL: s3cret-pw and other-secret"), "FATAL: *** and ***");
  EXPECT_EQ(redact_url("postgresql://bob:hunter2@h/db"), "postgresql://bob:***@h/db");
  EXPECT_EQ(redact_url("postgresql://h/db?password=hunter2"), "postgresql://h/db?password=***");
  EXPECT_NE(u.conninfo(5, 1000, "db").find("password='s3cret-pw'"), std::string::npos);
}

TEST(data_url, malformed_urls_name_the_cause_and_hide_the_password) {
  struct bad {
    const char* url;
    const char* cause;
  };
  for (const bad& b : {bad{"mysql://u:hunter2@h/db", "unknown scheme 'mysql'"}, bad{"no-scheme-here", "no scheme"},
                       bad{"postgresql://u:hunter2@/db", "no host"},
                       bad{"postgresql://u:hunter2@h:99999/db", "port '99999'"},
                       bad{"postgresql://u:hunter2@h:5432", "no database name"}, bad{"sqlite://", "no database file"},
                       bad{"sqlite:/x.db", "starts with sqlite://"},
                       bad{"postgresql://u:hunter2@h/db?host%3Devil=1", "not a libpq parameter name"}}) {
    try {
      (void)database_url::parse(b.url);
      ADD_FAILURE() << b.url << " parsed";
    } catch (const invalid_url& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find(b.cause), std::string::npos) << what;
      EXPECT_EQ(what.find("hunter2"), std::string::npos) << what;
    }
  }
}

}  // namespace
}  // namespace lifespan::data
