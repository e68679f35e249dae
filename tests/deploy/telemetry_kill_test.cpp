// Killing a replica loses no acknowledged telemetry. lifespan-sim serves POST /events into its real
// telemetry store over SQLite; client threads send numbered events over HTTP and keep the ids the
// replica acknowledged (202). The replica is killed mid-load, started again on the same directory (its
// spool replays), and the database must then hold every acknowledged id exactly once, and nothing the
// client never sent. What it holds beyond the acknowledged set can only be requests in flight at the
// kill (recorded, answer lost), at most one per client thread.
//
// The load starts once the store is up ("telemetry: up in"): it is ready-gating, not critical, so the
// service may log READY before it, and POST /events answers 503 until then.
//
// SIGKILL needs the store's durable mode (acknowledged only once fsynced to the spool); SIGTERM does
// not: the drain answers or refuses every request, and the store flushes its queue before exiting.
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "haproxy.hpp"  // free_port
#include "http/client.hpp"
#include "lifespan/data/telemetry.hpp"
#include "replicas.hpp"
#include "sim/process.hpp"

namespace lifespan::test {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

// Client threads, each on one keep-alive connection, one event per request, until told to stop or the
// replica stops answering.
struct event_load {
  std::atomic<bool> done{false};
  std::atomic<long> next_id{1};
  std::atomic<long> acknowledged_count{0};
  std::mutex mutex;
  std::set<long> sent, acknowledged, in_flight_at_end;
  std::string last_refusal;  // the answer that ended a thread, for the failure message
  std::vector<std::thread> threads;

  ~event_load() { stop(); }

  void start(std::uint16_t port, int n) {
    for (int t = 0; t < n; ++t)
      threads.emplace_back([this, port] {
        std::unique_ptr<client> c;
        try {
          c = std::make_unique<client>(port);
        } catch (const std::exception& e) {
          std::lock_guard lock(mutex);
          last_refusal = std::string("connect: ") + e.what();
          return;
        }
        while (!done) {
          const long id = next_id++;
          {
            std::lock_guard lock(mutex);
            sent.insert(id);
          }
          const std::string body = nlohmann::json{{"kind", "deploy"}, {"payload", {{"id", id}}}}.dump();
          std::optional<reply> r;
          try {
            c->send("POST /events HTTP/1.1\r\nHost: sim\r\nContent-Type: application/json\r\nContent-Length: " +
                    std::to_string(body.size()) + "\r\n\r\n" + body);
            r = c->read(20s);
          } catch (const std::exception&) {
          }
          std::lock_guard lock(mutex);
          if (r && r->status == 202) {
            acknowledged.insert(id);
            ++acknowledged_count;
            continue;
          }
          if (!r) in_flight_at_end.insert(id);  // no answer: it may or may not have been recorded
          last_refusal = r ? "HTTP " + std::to_string(r->status) + ": " + r->body : "no answer";
          return;  // refused (503 while stopping) or gone: this thread is done
        }
      });
  }
  void stop() {
    done = true;
    for (auto& t : threads)
      if (t.joinable()) t.join();
  }
  bool await_acknowledged(long n, std::chrono::seconds timeout = 60s) {
    for (const auto until = steady::now() + timeout; steady::now() < until;) {
      if (acknowledged_count >= n) return true;
      std::this_thread::sleep_for(5ms);
    }
    return false;
  }
};

// Every stored event id, with how many rows carry it.
std::map<long, int> stored_ids(const std::filesystem::path& db) {
  sqlite3* handle = nullptr;
  if (sqlite3_open_v2(db.c_str(), &handle, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK)
    throw std::runtime_error("cannot open " + db.string() + ": " + sqlite3_errmsg(handle));
  sqlite3_stmt* stmt = nullptr;
  std::map<long, int> out;
  if (sqlite3_prepare_v2(handle, "SELECT payload FROM telemetry_events WHERE kind = 'deploy'", -1, &stmt, nullptr) != SQLITE_OK) {
    const std::string message = sqlite3_errmsg(handle);
    sqlite3_close(handle);
    throw std::runtime_error("telemetry_events: " + message);
  }
  while (sqlite3_step(stmt) == SQLITE_ROW)
    ++out[nlohmann::json::parse(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0))).at("id").get<long>()];
  sqlite3_finalize(stmt);
  sqlite3_close(handle);
  return out;
}

// Every acknowledged id stored exactly once; nothing stored that was not sent; the stored ids beyond the
// acknowledged ones were in flight when the replica went away.
void expect_every_acknowledged_event_stored(const std::string& signal, const event_load& l,
                                           const std::map<long, int>& stored) {
  long missing = 0, duplicated = 0, unknown = 0, unacknowledged = 0;
  for (long id : l.acknowledged)
    if (!stored.count(id)) ++missing;
  for (const auto& [id, rows] : stored) {
    if (rows != 1) ++duplicated;
    if (!l.sent.count(id)) ++unknown;
    if (!l.acknowledged.count(id)) {
      ++unacknowledged;
      EXPECT_TRUE(l.in_flight_at_end.count(id)) << "event " << id << " stored, but it was neither acknowledged nor in flight";
    }
  }
  std::cout << "[ measured ] " << signal << " mid-load: " << l.sent.size() << " sent, " << l.acknowledged.size() << " acknowledged, "
            << stored.size() << " stored (" << unacknowledged << " in flight at the end), " << missing << " lost\n";
  EXPECT_EQ(missing, 0) << "acknowledged events missing from the database";
  EXPECT_EQ(duplicated, 0);
  EXPECT_EQ(unknown, 0);
}

TEST(TelemetryUnderKill, SigkillMidLoadLosesNoAcknowledgedEventAfterTheRestart) {
  scratch_dir dir("telemetry-kill");
  const auto port = free_port();
  event_load l;
  {
    process replica(telemetry_sim_command(dir.path(), port, true));
    ASSERT_TRUE(replica.wait_for_log("telemetry: up in", 60s)) << replica.err();
    l.start(port, 4);
    ASSERT_TRUE(l.await_acknowledged(1000)) << l.acknowledged_count << " acknowledged; " << l.last_refusal << "\n" << replica.err();
    replica.signal(SIGKILL);
    ASSERT_EQ(replica.wait(10s), 128 + SIGKILL);
    l.stop();
  }
  ASSERT_GE(l.acknowledged.size(), 1000u);
  // The next start on the same directory replays what the killed process spooled.
  process again(telemetry_sim_command(dir.path(), port, true));
  ASSERT_TRUE(again.wait_for_log("telemetry: up in", 60s)) << again.err();
  for (const auto until = steady::now() + 60s; steady::now() < until && !data::spool_files(dir / "spool").empty();)
    std::this_thread::sleep_for(20ms);
  EXPECT_TRUE(data::spool_files(dir / "spool").empty()) << "the restarted replica did not replay its spool";
  again.signal(SIGTERM);
  ASSERT_EQ(again.wait(30s), 0) << again.err();
  expect_every_acknowledged_event_stored("SIGKILL", l, stored_ids(dir / "telemetry.db"));
}

TEST(TelemetryUnderKill, SigtermMidLoadLosesNoAcknowledgedEvent) {
  scratch_dir dir("telemetry-term");
  const auto port = free_port();
  event_load l;
  process replica(telemetry_sim_command(dir.path(), port, false));
  ASSERT_TRUE(replica.wait_for_log("telemetry: up in", 60s)) << replica.err();
  l.start(port, 4);
  ASSERT_TRUE(l.await_acknowledged(2000)) << l.acknowledged_count << " acknowledged; " << l.last_refusal << "\n" << replica.err();
  replica.signal(SIGTERM);
  ASSERT_EQ(replica.wait(30s), 0) << replica.err();
  l.stop();
  EXPECT_TRUE(replica.err().find("service STOPPED") != std::string::npos) << replica.err();
  EXPECT_TRUE(data::spool_files(dir / "spool").empty()) << "the queue was not flushed into the database at the stop";
  expect_every_acknowledged_event_stored("SIGTERM", l, stored_ids(dir / "telemetry.db"));
}

}  // namespace
}  // namespace lifespan::test
