// /livez and the I/O pool's heartbeat with real threads. The I/O threads share one event loop, so a
// handler that blocks its thread stalls only its own connection: /livez and every other connection
// are still answered by the other threads, past the stall threshold and after. (The pool stalling as a
// whole is in systemd_test.cpp, where the watchdog stops, and heartbeat_test.cpp, for the 503.)
#include <gtest/gtest.h>

#include "fixture.hpp"

namespace lifespan::test {
namespace {

TEST(Liveness, ABlockedHandlerStallsNeitherLivezNorAnyOtherConnection) {
  auto release = std::make_shared<gate>();
  auto entered = std::make_shared<counter>();
  http::router routes;
  routes.get("/block", [release, entered](http::request& req) {
    entered->add();
    release->wait(req.stop_token(), 20s);  // bounded: a broken test must not block forever
    return http::response::text("unblocked");
  }).run_inline();  // blocks an I/O thread itself (an ordinary route would block a handler thread)
  routes.get("/hello", [](http::request&) { return http::response::text("hello"); });
  served s;
  auto o = local_options();  // 2 I/O threads
  o.heartbeat_interval = 20ms;
  o.stall_threshold = 150ms;
  s.add_server(std::move(routes), o);
  s.start();

  client blocker(s.port);
  client prober(s.port);
  EXPECT_EQ(prober.get("/livez").status, 200);
  blocker.send("GET /block HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(entered->wait_for(1));

  // Four stall thresholds with one thread blocked: every probe passes, on an old connection and on
  // new ones alike.
  const auto until = std::chrono::steady_clock::now() + 4 * o.stall_threshold;
  int probes = 0;
  while (std::chrono::steady_clock::now() < until) {
    const auto r = prober.get("/livez");
    ASSERT_EQ(r.status, 200) << r.body;
    client fresh(s.port);
    const auto hello = fresh.get("/hello");
    ASSERT_EQ(hello.status, 200);
    EXPECT_EQ(hello.body, "hello");
    ++probes;
  }
  EXPECT_GT(probes, 0);

  release->open();
  const auto unblocked = blocker.read();
  ASSERT_TRUE(unblocked.has_value());
  EXPECT_EQ(unblocked->body, "unblocked");
  EXPECT_EQ(prober.get("/livez").status, 200);
}

}  // namespace
}  // namespace lifespan::test
