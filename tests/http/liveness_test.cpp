// /livez and the event-loop heartbeat with real threads: a handler that blocks its I/O thread makes
// /livez fail on another connection once the stall threshold has passed, and pass again after.
#include <gtest/gtest.h>

#include "fixture.hpp"

namespace lifespan::test {
namespace {

TEST(Liveness, ABlockedIOThreadMakesLivezFailUntilItRunsAgain) {
  auto release = std::make_shared<gate>();
  auto entered = std::make_shared<counter>();
  http::router routes;
  routes.get("/block", [release, entered](http::request& req) {
    entered->add();
    release->wait(req.stop_token(), 20s);  // bounded: a broken test must not block forever
    return http::response::text("unblocked");
  });
  served s;
  auto o = local_options();
  o.heartbeat_interval = 20ms;
  o.stall_threshold = 150ms;
  s.add_server(std::move(routes), o);
  s.start();

  client blocker(s.port);  // connection 0: I/O thread 0
  client prober(s.port);   // connection 1: I/O thread 1
  EXPECT_EQ(prober.get("/livez").status, 200);
  blocker.send("GET /block HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(entered->wait_for(1));

  const auto deadline = std::chrono::steady_clock::now() + 10s;
  std::optional<reply> failing;
  while (!failing && std::chrono::steady_clock::now() < deadline) {
    auto r = prober.get("/livez");
    if (r.status == 503 && r.json()["reason"].get<std::string>().find("I/O thread 0") != std::string::npos) failing = r;
  }
  ASSERT_TRUE(failing.has_value()) << "livez never reported thread 0 as stalled";
  EXPECT_EQ(failing->json()["error"], "event loop stalled");
  EXPECT_EQ(failing->json()["stalled_threads"][0]["thread"], 0);

  release->open();
  const auto unblocked = blocker.read();
  ASSERT_TRUE(unblocked.has_value());
  EXPECT_EQ(unblocked->body, "unblocked");
  int status = 0;
  while (status != 200 && std::chrono::steady_clock::now() < deadline) status = prober.get("/livez").status;
  EXPECT_EQ(status, 200);
}

}  // namespace
}  // namespace lifespan::test
