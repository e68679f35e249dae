// The built-in endpoints through real sockets while the real lifecycle runs: the listener is up while a
// critical component is still starting, and each probe tells the truth about that moment.
#include <gtest/gtest.h>

#include "fixture.hpp"

namespace lifespan::test {
namespace {

const nlohmann::json* component_in(const nlohmann::json& list, const std::string& name) {
  for (const auto& c : list)
    if (c["name"] == name) return &c;
  return nullptr;
}

TEST(Probes, AnswerWhileACriticalComponentIsStillStartingThenTurnGreen) {
  auto g = std::make_shared<gate>();
  served s;
  s.svc.add<gated>("db", g);  // critical: READY waits for it
  s.add_server({});
  s.start();  // returns once the server is up, which does not wait for db

  EXPECT_EQ(s.svc.state(), service_state::initializing);
  const auto live = fetch(s.port, "/livez");
  EXPECT_EQ(live.status, 200);
  EXPECT_EQ(live.json()["status"], "ok");
  EXPECT_EQ(fetch(s.port, "/health").status, 200);

  const auto startup = fetch(s.port, "/startupz");
  EXPECT_EQ(startup.status, 503);
  EXPECT_EQ(startup.header("content-type"), "application/json");
  EXPECT_EQ(startup.json()["started"], false);
  EXPECT_NE(startup.json()["reason"].get<std::string>().find("db (starting)"), std::string::npos) << startup.body;

  const auto ready = fetch(s.port, "/readyz");
  EXPECT_EQ(ready.status, 503);
  const auto body = ready.json();
  EXPECT_EQ(body["ready"], false);
  EXPECT_EQ(body["error"], "not ready");
  EXPECT_NE(body["reason"].get<std::string>().find("db"), std::string::npos) << ready.body;
  ASSERT_NE(component_in(body["components"], "db"), nullptr);
  EXPECT_EQ((*component_in(body["components"], "db"))["state"], "starting");
  EXPECT_EQ((*component_in(body["components"], "http"))["state"], "up");
  EXPECT_EQ(fetch(s.port, "/ready").status, 503);

  g->open();
  ASSERT_TRUE(s.h->wait_for_state(service_state::running));
  EXPECT_EQ(fetch(s.port, "/startupz").status, 200);
  const auto ready_now = fetch(s.port, "/readyz");
  EXPECT_EQ(ready_now.status, 200);
  EXPECT_EQ(ready_now.json()["ready"], true);
  EXPECT_EQ(ready_now.json()["degraded"], false);
  EXPECT_EQ(fetch(s.port, "/ready").status, 200);
  EXPECT_EQ(fetch(s.port, "/livez").status, 200);
  EXPECT_EQ(s.h->stop(), exit_ok);
}

TEST(Probes, HeadAnswersWithoutABodyAndOtherMethodsAreNotAllowed) {
  served s;
  s.add_server({});
  s.start();
  client c(s.port);
  const auto head = c.request("HEAD", "/livez");
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty());
  EXPECT_EQ(head.header("content-length"), "15");  // what GET would send: {"status":"ok"}
  const auto post = c.request("POST", "/livez");
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(post.header("allow"), "GET, HEAD");
  EXPECT_EQ(post.json()["error"], "method not allowed");
}

TEST(Probes, DetailedHealthListsStateHealthTimesAndStartDurations) {
  auto health = std::make_shared<std::atomic<int>>(0);
  served s;
  s.svc.add<patient>("disk", health).background().health_every(10ms, 1s);
  s.add_server({});
  s.start();
  ASSERT_TRUE(s.h->wait_for_state(service_state::running));
  health->store(1);
  ASSERT_TRUE(s.h->wait_for_event(event_kind::component_degraded, "disk"));
  const auto r = fetch(s.port, "/health/detailed");
  ASSERT_EQ(r.status, 200);
  const auto body = r.json();
  EXPECT_EQ(body["state"], "RUNNING");
  EXPECT_EQ(body["degraded"], true);
  EXPECT_EQ(body["io_threads"], 2);
  const auto* disk = component_in(body["components"], "disk");
  ASSERT_NE(disk, nullptr) << r.body;
  EXPECT_EQ((*disk)["criticality"], "background");
  EXPECT_EQ((*disk)["state"], "degraded");
  EXPECT_EQ((*disk)["health"], "degraded");
  EXPECT_EQ((*disk)["reason"], "slow disk");
  EXPECT_TRUE(disk->contains("since"));
  EXPECT_GE((*disk)["in_state_ms"].get<double>(), 0.0);
  EXPECT_TRUE(disk->contains("last_check"));
  EXPECT_TRUE(disk->contains("start_duration_ms"));
  EXPECT_EQ((*disk)["attempts"], 1);
}

TEST(Probes, ADegradedServiceStaysReadyAndSaysSoByDefault) {
  auto health = std::make_shared<std::atomic<int>>(1);
  served s;
  s.svc.add<patient>("disk", health).background().health_every(10ms, 1s);
  s.add_server({});
  s.start();
  ASSERT_TRUE(s.h->wait_for_event(event_kind::component_degraded, "disk"));
  ASSERT_TRUE(s.h->wait_for_state(service_state::running));  // the check can degrade it before the service is ready
  const auto r = fetch(s.port, "/readyz");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["degraded"], true);
}

TEST(Probes, ADegradedServiceDropsOutWhenConfiguredTo) {
  auto health = std::make_shared<std::atomic<int>>(2);
  served s;
  s.svc.add<patient>("disk", health).background().health_every(10ms, 1s);
  auto o = local_options();
  o.ready_when_degraded = false;
  s.add_server({}, o);
  s.start();
  ASSERT_TRUE(s.h->wait_for_event(event_kind::component_degraded, "disk"));
  ASSERT_TRUE(s.h->wait_for_state(service_state::running));
  const auto r = fetch(s.port, "/readyz");
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.json()["reason"].get<std::string>().find("disk (degraded: disk gone)"), std::string::npos) << r.body;
  health->store(0);
  ASSERT_TRUE(s.h->wait_for_event(event_kind::component_recovered, "disk"));
  EXPECT_EQ(fetch(s.port, "/readyz").status, 200);
}

}  // namespace
}  // namespace lifespan::test
