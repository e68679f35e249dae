// Two `vigil serve` replicas started at the same moment on one fresh PostgreSQL database (a throwaway
// server, data::test_server). Both must come up, and each owner's migrations must be applied once: the
// runtime takes a transaction-level advisory lock around them (src/data/migrations.cpp), so the replica
// that gets it second finds every step recorded and writes nothing.
//
// "Applied once" is read from PostgreSQL itself: lifespan_schema gets one row per owner, and the
// server's own row counters for that table (pg_stat_user_tables) must show exactly one INSERT per owner
// and no UPDATE. Without the lock both replicas would see version 0, both would run the steps, and the
// second's INSERT ... ON CONFLICT DO UPDATE would count as an update.
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <signal.h>

#include <filesystem>
#include <map>
#include <thread>

#include "lifespan/data/test_server.hpp"
#include "replicas.hpp"
#include "sim/process.hpp"

namespace lifespan::test {
namespace {

using namespace std::chrono_literals;

// One libpq connection for the test's own queries; every value comes back as text.
class pg_connection {
 public:
  explicit pg_connection(const std::string& url) : conn_(PQconnectdb(url.c_str())) {
    if (PQstatus(conn_) != CONNECTION_OK) throw std::runtime_error(std::string("connect: ") + PQerrorMessage(conn_));
  }
  ~pg_connection() { PQfinish(conn_); }
  pg_connection(const pg_connection&) = delete;
  pg_connection& operator=(const pg_connection&) = delete;

  std::vector<std::vector<std::string>> rows(const std::string& sql) {
    PGresult* r = PQexec(conn_, sql.c_str());
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
      const std::string message = PQresultErrorMessage(r);
      PQclear(r);
      throw std::runtime_error(sql + ": " + message);
    }
    std::vector<std::vector<std::string>> out(PQntuples(r));
    for (int i = 0; i < PQntuples(r); ++i)
      for (int j = 0; j < PQnfields(r); ++j) out[i].emplace_back(PQgetvalue(r, i, j));
    PQclear(r);
    return out;
  }
  long long number(const std::string& sql) { return std::stoll(rows(sql).at(0).at(0)); }
  void run(const std::string& sql) {
    PGresult* r = PQexec(conn_, sql.c_str());
    const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    const std::string message = PQresultErrorMessage(r);
    PQclear(r);
    if (!ok) throw std::runtime_error(sql + ": " + message);
  }

 private:
  PGconn* conn_;
};

TEST(ConcurrentStart, TwoVigilReplicasOnOneFreshPostgresqlApplyEachMigrationOnce) {
  if (std::string(VIGIL_BINARY).empty()) GTEST_SKIP() << "vigil is not built";
  if (!std::filesystem::exists("/usr/lib/postgresql/15/bin/initdb")) GTEST_SKIP() << "PostgreSQL 15 is not installed";
  data::test_server server;
  server.start();
  const std::string url = server.fresh_database();
  scratch_dir dir("concurrent-start");

  // Spawned back to back: both open their pools and reach the migrations within the same few ms.
  process a(vigil_serve_command(dir / "a", 0, 0ms, url));
  process b(vigil_serve_command(dir / "b", 0, 0ms, url));
  // The tailer is the last of the two owners of migrations (alerts, tailer) to start; the service may log
  // READY before it (READY needs the critical components only).
  ASSERT_TRUE(a.wait_for_log("tailer: up in", 60s)) << a.err();
  ASSERT_TRUE(b.wait_for_log("tailer: up in", 60s)) << b.err();
  for (auto* p : {&a, &b}) {
    for (const char* line : {"db: up in", "alerts: up in", "service READY"})
      EXPECT_NE(p->err().find(line), std::string::npos) << "no '" << line << "' in\n" << p->err();
    p->signal(SIGTERM);
  }
  ASSERT_EQ(a.wait(30s), 0) << a.err();
  ASSERT_EQ(b.wait(30s), 0) << b.err();

  pg_connection db(url);
  std::map<std::string, int> versions;
  for (const auto& row : db.rows("SELECT owner, version FROM lifespan_schema ORDER BY owner"))
    versions[row[0]] = std::stoi(row[1]);
  ASSERT_TRUE(versions.count("vigil_alerts")) << "vigil's alert store recorded no schema version";
  ASSERT_TRUE(versions.count("vigil_positions")) << "vigil's tailer recorded no schema version";
  for (const auto& [owner, version] : versions) EXPECT_GE(version, 1) << owner;
  for (const char* table : {"vigil_alerts", "vigil_positions"})
    EXPECT_EQ(db.number(std::string("SELECT count(*) FROM pg_tables WHERE tablename = '") + table + "'"), 1) << table;

  // The replicas' backends flush their row counters when they exit: wait for both to be gone and the
  // inserts to be counted (polling: the server gives no event for it).
  const std::string others =
      "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
      "AND backend_type = 'client backend'";
  const std::string counters = "SELECT n_tup_ins, n_tup_upd FROM pg_stat_user_tables WHERE relname = 'lifespan_schema'";
  long long inserts = 0, updates = 0;
  const auto read_counters = [&](auto done) {
    for (const auto until = std::chrono::steady_clock::now() + 30s; std::chrono::steady_clock::now() < until;) {
      const auto row = db.rows(counters);
      inserts = row.empty() ? 0 : std::stoll(row[0][0]);
      updates = row.empty() ? 0 : std::stoll(row[0][1]);
      if (db.number(others) == 0 && done()) return;
      std::this_thread::sleep_for(50ms);
    }
  };
  read_counters([&] { return inserts >= static_cast<long long>(versions.size()); });
  std::cout << "[ measured ] lifespan_schema: " << versions.size() << " owners, " << inserts << " inserts, " << updates
            << " updates from two replicas\n";
  EXPECT_EQ(inserts, static_cast<long long>(versions.size())) << "each owner's version must be recorded exactly once";
  EXPECT_EQ(updates, 0) << "a second replica re-applied migrations the first had recorded";

  // The control: what a second replica without the lock would write after the first (the same upsert,
  // src/data/migrations.cpp) shows up in these counters, so the zero above could have failed.
  {
    pg_connection unlocked(url);
    unlocked.run("INSERT INTO lifespan_schema (owner, version, updated_at) VALUES ('vigil_alerts', " +
                 std::to_string(versions["vigil_alerts"]) +
                 ", CAST(CURRENT_TIMESTAMP AS TEXT)) ON CONFLICT (owner) DO UPDATE SET version = excluded.version, "
                 "updated_at = excluded.updated_at");
  }
  read_counters([&] { return updates >= 1; });
  EXPECT_EQ(updates, 1) << "the row counters do not see a second application: the check above proves nothing";
}

}  // namespace
}  // namespace lifespan::test
