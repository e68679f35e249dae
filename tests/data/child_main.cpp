// The child side of child.hpp: one function per mode, selected by LIFESPAN_DATA_CHILD. Each prints
// what the parent checks and exits through GoogleTest (a failed assertion fails the child).
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <functional>
#include <map>

#include "child.hpp"
#include "child_modes.hpp"
#include "fixture.hpp"

namespace lifespan::test {
namespace {

// Two of these start together against one fresh PostgreSQL database: the step must run once.
void migrate_mode() {
  auto schema = std::make_shared<data::schema>();
  schema->add("race", {{1, "CREATE TABLE race_log (who INTEGER); INSERT INTO race_log VALUES (1); SELECT pg_sleep(0.3)"},
                       {2, "INSERT INTO race_log VALUES (2)"}});
  db_service s(db_options(env_or("LIFESPAN_DATA_URL")), schema);
  if (s.db() == nullptr) {
    std::printf("failed: %s\n", s.failure().c_str());
    std::exit(1);
  }
  std::printf("migrated to %d\n", s.db()->schema_version("race"));
}

// Opens a database file this user may only read (root drops to nobody first: root ignores modes).
void read_only_mode() {
  if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) {
    std::printf("cannot drop privileges\n");
    std::exit(10);
  }
  db_service s(db_options(env_or("LIFESPAN_DATA_URL")));
  std::printf("failure: %s\n", s.failure().c_str());
}

}  // namespace

TEST(data_child, DISABLED_main) {
  const std::map<std::string, std::function<void()>> modes = {
      {"migrate", migrate_mode},
      {"read_only", read_only_mode},
      {"telemetry_sigterm", telemetry_sigterm_mode},
      {"telemetry_durable", telemetry_durable_mode},
      {"telemetry_spool_full", telemetry_spool_full_mode},
  };
  const auto mode = modes.find(env_or("LIFESPAN_DATA_CHILD"));
  ASSERT_NE(mode, modes.end()) << "LIFESPAN_DATA_CHILD names no mode";
  mode->second();
  std::fflush(stdout);
}

}  // namespace lifespan::test
