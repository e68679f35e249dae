// lifespan-sim with its real components: the database and the telemetry store behind POST /events,
// measured from outside the process, as a load test would.
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "http/client.hpp"
#include "process.hpp"

namespace lifespan::test {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

std::int64_t count_rows(const std::string& db_path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) return -1;
  sqlite3_stmt* st = nullptr;
  std::int64_t n = -1;
  if (sqlite3_prepare_v2(db, "SELECT count(*) FROM telemetry_events", -1, &st, nullptr) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW)
    n = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return n;
}

TEST(SimBatteries, EveryAcceptedEventIsInTheDatabaseAfterSigterm) {
  const auto dir = std::filesystem::path(::testing::TempDir()) / "sim-events";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const auto address_file = (dir / "addr").string();
  const auto db_path = (dir / "sim.db").string();
  const auto config = write_temp_file(
      "sim-events.yaml", "http: {address: 127.0.0.1, port: 0, address_file: " + address_file + "}\n" +
                             "shutdown: {readiness_delay: 0s}\n" + "database: {url: \"sqlite://" + db_path + "\"}\n" +
                             "telemetry: {spool_dir: \"" + (dir / "spool").string() + "\", batch_delay: 20ms}\n" +
                             "api: {start: 10ms}\n");
  process p({LIFESPAN_SIM_BINARY, "--config", config, "--serve"});
  const auto port = await_listening_port(address_file, p);
  // /events needs the store: 503 naming it until it is up, then 202.
  reply r;
  for (const auto deadline = steady::now() + 20s; steady::now() < deadline;) {
    r = fetch(port, "/readyz");
    if (r.status == 200) break;
    std::this_thread::sleep_for(5ms);
  }
  ASSERT_EQ(r.status, 200) << r.body;

  client c(port);
  std::size_t accepted = 0;
  for (int batch = 0; batch < 20; ++batch) {
    std::string body = "[";
    for (int i = 0; i < 100; ++i)
      body += (i ? "," : "") + std::string(R"({"kind":"click","payload":{"n":)") + std::to_string(batch * 100 + i) + "}}";
    body += "]";
    const auto ok = c.request("POST", "/events", body, "Content-Type: application/json\r\n");
    ASSERT_EQ(ok.status, 202) << ok.body;
    accepted += ok.json()["accepted"].get<std::size_t>();
  }
  EXPECT_EQ(accepted, 2000u);
  const auto bad = c.request("POST", "/events", R"({"payload": 1})", "Content-Type: application/json\r\n");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.json()["reason"].get<std::string>().find("kind"), std::string::npos) << bad.body;

  // The store's counters are on /metrics: every accepted event queued, and written once its batch commits.
  std::string metrics;
  for (const auto deadline = steady::now() + 20s; steady::now() < deadline; std::this_thread::sleep_for(10ms)) {
    metrics = c.get("/metrics").body;
    if (metrics.find("lifespan_telemetry_events_total{store=\"telemetry\",outcome=\"written\"} 2000\n") != std::string::npos) break;
  }
  EXPECT_NE(metrics.find("lifespan_telemetry_events_total{store=\"telemetry\",outcome=\"queued\"} 2000\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("lifespan_telemetry_events_total{store=\"telemetry\",outcome=\"written\"} 2000\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("lifespan_telemetry_events_total{store=\"telemetry\",outcome=\"dropped\"} 0\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("lifespan_telemetry_queue_depth{store=\"telemetry\"} 0\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("lifespan_telemetry_batches_total{store=\"telemetry\"} "), std::string::npos) << metrics;

  p.signal(SIGTERM);
  const auto code = p.wait();
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0) << p.err();
  EXPECT_EQ(count_rows(db_path), 2000) << "every acknowledged event is in the database when the process exits";
}

}  // namespace
}  // namespace lifespan::test
