// lifespan-sim end to end: a real process, real signals, the real command line.
#include <gtest/gtest.h>
#include <signal.h>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <thread>

#include "process.hpp"

namespace lifespan::test {
namespace {

using namespace std::chrono_literals;

const std::string sim = LIFESPAN_SIM_BINARY;

std::vector<std::string> args(std::initializer_list<std::string> rest) {
  std::vector<std::string> a{sim};
  a.insert(a.end(), rest);
  return a;
}

TEST(Sim, OnceJsonPrintsTimelineAndStatesAndExitsCleanly) {
  const auto config = write_temp_file("once.yaml", R"(
db: {start: 30ms}
cache: {criticality: ready, requires: [db], start: 10ms}
warmup: {criticality: background, requires: [db], fail_attempts: 1}
mailer: {criticality: lazy}
)");
  process p(args({"--config", config, "--once", "--json"}));
  ASSERT_EQ(p.wait(), 0) << p.err();
  const auto out = nlohmann::json::parse(p.out());
  EXPECT_EQ(out["exit_code"], 0);
  EXPECT_EQ(out["final_state"], "STOPPED");
  EXPECT_EQ(out["settled"]["state"], "RUNNING");
  EXPECT_EQ(out["settled"]["components"]["db"]["state"], "up");
  EXPECT_EQ(out["settled"]["components"]["warmup"]["state"], "failed");
  EXPECT_EQ(out["settled"]["components"]["mailer"]["state"], "registered");
  EXPECT_EQ(out["settled"]["degraded"], true);
  const auto& timeline = out["timeline"];
  EXPECT_EQ(timeline["critical_path"], (nlohmann::json{"db", "cache"}));
  double cache_started = -1;
  for (const auto& c : timeline["components"])
    if (c["name"] == "cache") cache_started = c["started_ms"].get<double>();
  EXPECT_GE(cache_started, 30.0);  // not before its dependency came up
}

// The example the README runs: every component settles as its criticality says.
TEST(Sim, TheShopExampleStartsAndStops) {
  process p(args({"--config", std::string(LIFESPAN_SOURCE_DIR) + "/examples/sim/shop.yaml", "--once", "--json"}));
  ASSERT_EQ(p.wait(), 0) << p.err();
  const auto out = nlohmann::json::parse(p.out());
  EXPECT_EQ(out["settled"]["state"], "RUNNING");
  EXPECT_EQ(out["settled"]["components"]["api"]["state"], "up");
  EXPECT_EQ(out["settled"]["components"]["mailer"]["state"], "registered");
  EXPECT_EQ(out["final_state"], "STOPPED");
}

TEST(Sim, CriticalFailureExitsNonZeroNamingTheComponentAndCause) {
  const auto config = write_temp_file("critical.yaml", R"(
db: {start: 5ms}
auth: {requires: [db], fail: true}
)");
  process p(args({"--config", config, "--once", "--json"}));
  ASSERT_EQ(p.wait(), 1);
  const auto out = nlohmann::json::parse(p.out());
  EXPECT_EQ(out["final_state"], "ERROR");
  EXPECT_EQ(out["settled"]["components"]["auth"]["state"], "failed");
  EXPECT_NE(p.err().find("critical component 'auth' failed: synthetic failure"), std::string::npos) << p.err();
  EXPECT_NE(p.err().find("db: stopped"), std::string::npos) << p.err();
}

TEST(Sim, CheckConfigReportsEveryProblemWithKeyLineAndSuggestion) {
  const auto config = write_temp_file("bad.yaml", R"(db:
  start: 5ms
  stat: 1s
api:
  requires: [dbb]
shutdown:
  drain_timeout: forever
)");
  process p(args({"--config", config, "--check-config"}));
  ASSERT_EQ(p.wait(), 2);
  const auto& err = p.err();
  EXPECT_NE(err.find("bad.yaml:3:3: db.stat: unknown key 'stat'"), std::string::npos) << err;
  EXPECT_NE(err.find("did you mean 'start'?"), std::string::npos) << err;
  EXPECT_NE(err.find("requires 'dbb', which is not registered; fix: did you mean 'db'?"), std::string::npos) << err;
  EXPECT_NE(err.find("bad.yaml:7:18: shutdown.drain_timeout"), std::string::npos) << err;
}

TEST(Sim, PrintGraphDot) {
  const auto config = write_temp_file("graph.yaml", "db: {}\napi: {requires: [db], optional: [cache]}\ncache: {criticality: background}\n");
  process p(args({"--config", config, "--print-graph", "dot"}));
  ASSERT_EQ(p.wait(), 0) << p.err();
  EXPECT_NE(p.out().find("digraph"), std::string::npos) << p.out();
  EXPECT_NE(p.out().find("\"api\" -> \"db\""), std::string::npos) << p.out();
}

TEST(Sim, SigtermDuringStartupCancelsTheSlowStartAndRollsBack) {
  const auto config = write_temp_file("slow.yaml", "db: {start: 5ms}\nmodel: {requires: [db], start: 1h}\n");
  process p(args({"--config", config}));
  ASSERT_TRUE(p.wait_for_log("model: starting")) << p.err();
  p.signal(SIGTERM);
  ASSERT_EQ(p.wait(10s), 0) << p.err();
  EXPECT_NE(p.err().find("model: stopped"), std::string::npos) << p.err();
  EXPECT_NE(p.err().find("db: stopped"), std::string::npos) << p.err();
  EXPECT_LT(p.err().find("model: stopped"), p.err().find("db: stopped"));
  EXPECT_NE(p.err().find("service STOPPED"), std::string::npos) << p.err();
}

TEST(Sim, SigtermWhileRunningStopsInReverseOrder) {
  const auto config = write_temp_file("run.yaml", "db: {}\ncache: {requires: [db]}\napi: {requires: [cache]}\n");
  process p(args({"--config", config}));
  ASSERT_TRUE(p.wait_for_log("service RUNNING")) << p.err();
  p.signal(SIGINT);
  ASSERT_EQ(p.wait(10s), 0) << p.err();
  const auto& err = p.err();
  EXPECT_LT(err.find("api: stopped"), err.find("cache: stopped"));
  EXPECT_LT(err.find("cache: stopped"), err.find("db: stopped"));
}

TEST(Sim, ThirdSignalExitsAtOnceWhileAStopHangs) {
  const auto config = write_temp_file("hang.yaml", "db: {hang_stop: true, stop_timeout: 1h}\nshutdown: {grace_period: 2h}\n");
  process p(args({"--config", config}));
  ASSERT_TRUE(p.wait_for_log("service RUNNING")) << p.err();
  p.signal(SIGTERM);
  ASSERT_TRUE(p.wait_for_log("db: stopping")) << p.err();
  p.signal(SIGTERM);
  ASSERT_TRUE(p.wait_for_log("second shutdown request")) << p.err();
  p.signal(SIGTERM);
  EXPECT_EQ(p.wait(10s), 128 + SIGTERM) << p.err();
  EXPECT_NE(p.err().find("third termination signal"), std::string::npos) << p.err();
}

TEST(Sim, SighupReloadsAValidConfigurationAndRejectsABadOne) {
  const std::string yaml = "db: {flap: 0s}\n";
  const auto config = write_temp_file("reload.yaml", yaml);
  process p(args({"--config", config}));
  ASSERT_TRUE(p.wait_for_log("service RUNNING")) << p.err();
  write_temp_file("reload.yaml", "db: {flap: 0s, stat: 1s}\n");
  p.signal(SIGHUP);
  ASSERT_TRUE(p.wait_for_log("reload rejected, keeping the old configuration")) << p.err();
  EXPECT_NE(p.err().find("unknown key 'stat'"), std::string::npos) << p.err();
  write_temp_file("reload.yaml", "db: {flap: 2s}\n");
  p.signal(SIGHUP);
  ASSERT_TRUE(p.wait_for_log("configuration reloaded")) << p.err();
  p.signal(SIGTERM);
  EXPECT_EQ(p.wait(10s), 0) << p.err();
}

TEST(Sim, JsonLogLinesNameTheirComponent) {
  const auto config = write_temp_file("json.yaml", "db: {}\nlogging: {format: json}\n");
  process p(args({"--config", config, "--once"}));
  ASSERT_EQ(p.wait(), 0) << p.err();
  bool found = false;
  std::size_t start = 0;
  while (start < p.err().size()) {
    const auto end = p.err().find('\n', start);
    const auto line = p.err().substr(start, end - start);
    start = end == std::string::npos ? p.err().size() : end + 1;
    const auto j = nlohmann::json::parse(line);  // every line is one JSON object
    if (j.value("component", "") == "db" && j["event"] == "component_up") found = true;
  }
  EXPECT_TRUE(found) << p.err();
}

}  // namespace
}  // namespace lifespan::test

namespace lifespan::test {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Polls a file the child writes to; bounded by a deadline (there is no event to wait on across processes).
bool wait_for_file_text(const std::string& path, const std::string& needle, std::chrono::milliseconds timeout = 20s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (std::ifstream(path).good() && read_file(path).find(needle) != std::string::npos) return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

TEST(Sim, Sigusr1ReopensTheLogFileAfterRotation) {
  const std::string log = ::testing::TempDir() + "/lifespan-sim-rotate.log";
  std::remove(log.c_str());
  std::remove((log + ".1").c_str());
  const auto config = write_temp_file("rotate.yaml", "db: {}\nlogging: {file: " + log + "}\n");
  process p(args({"--config", config}));
  ASSERT_TRUE(wait_for_file_text(log, "service RUNNING")) << read_file(log) << p.err();
  ASSERT_EQ(std::rename(log.c_str(), (log + ".1").c_str()), 0);
  p.signal(SIGUSR1);
  ASSERT_TRUE(wait_for_file_text(log, ""));  // reopened: the file exists again (empty)
  p.signal(SIGHUP);  // logs "configuration reloaded": it must land in the new file
  ASSERT_TRUE(wait_for_file_text(log, "configuration reloaded")) << read_file(log + ".1");
  EXPECT_EQ(read_file(log + ".1").find("configuration reloaded"), std::string::npos);
  p.signal(SIGTERM);
  EXPECT_EQ(p.wait(10s), 0);
  EXPECT_NE(read_file(log).find("service STOPPED"), std::string::npos);
}

}  // namespace
}  // namespace lifespan::test
