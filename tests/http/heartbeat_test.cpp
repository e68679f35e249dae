// The I/O pool's heartbeat behind /livez, and the /livez answer it drives, with a manual clock: no I/O
// thread, no waiting.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "fixture.hpp"
#include "http/heartbeat.hpp"
#include "http/probes.hpp"

namespace lifespan::test {
namespace {

using namespace std::chrono_literals;

TEST(Heartbeat, ThePoolIsAliveAtFirst) {
  auto clock = std::make_shared<manual_clock>();
  http::detail::heartbeat beats(clock);
  EXPECT_FALSE(beats.stalled(100ms));
  EXPECT_EQ(beats.silent(), 0ms);
}

TEST(Heartbeat, APoolThatStopsBeatingIsStalledPastTheThresholdOnly) {
  auto clock = std::make_shared<manual_clock>();
  http::detail::heartbeat beats(clock);
  clock->advance(80ms);
  beats.beat();
  clock->advance(100ms);
  EXPECT_FALSE(beats.stalled(100ms));  // exactly at the threshold: still alive
  clock->advance(50ms);
  const auto silent = beats.stalled(100ms);
  ASSERT_TRUE(silent);
  EXPECT_EQ(*silent, 150ms);
}

TEST(Heartbeat, AStalledPoolRecoversWithItsNextBeat) {
  auto clock = std::make_shared<manual_clock>();
  http::detail::heartbeat beats(clock);
  clock->advance(5s);
  EXPECT_TRUE(beats.stalled(2s));
  beats.beat();
  EXPECT_FALSE(beats.stalled(2s));
}

// The 503 itself: with a real pool, a stalled one cannot answer /livez at all (every I/O thread is
// blocked), so the answer a recovering pool would give is checked here.
TEST(Heartbeat, LivezAnswers503NamingTheSilenceOnceThePoolIsStalled) {
  auto clock = std::make_shared<manual_clock>();
  service svc("t", quiet());
  http::server::options o;
  o.stall_threshold = 2s;
  http::detail::server_state s(o, svc, std::make_shared<const http::router>());
  s.io_threads = 3;
  s.beats = std::make_shared<http::detail::heartbeat>(clock);
  EXPECT_EQ(http::detail::liveness(s).status, http::status::ok);
  clock->advance(2500ms);
  const auto r = http::detail::liveness(s);
  EXPECT_EQ(r.status, http::status::service_unavailable);
  const auto body = nlohmann::json::parse(r.body);
  EXPECT_EQ(body["error"], "event loop stalled");
  EXPECT_EQ(body["status"], "stalled");
  EXPECT_EQ(body["silent_ms"], 2500.0);
  EXPECT_NE(body["reason"].get<std::string>().find("no I/O thread has run a handler for 2.5s"), std::string::npos) << body;
  EXPECT_NE(body["reason"].get<std::string>().find("all 3 are busy or blocked"), std::string::npos) << body;
  s.beats->beat();
  EXPECT_EQ(http::detail::liveness(s).status, http::status::ok);
}

}  // namespace
}  // namespace lifespan::test
