// Keep-alive and graceful shutdown: serving continues through the readiness delay, the drain closes
// the listener and idle connections, in-flight requests finish with 200 and `Connection: close`, and
// what is still running at the drain deadline is cancelled.
#include <gtest/gtest.h>

#include <thread>

#include "fixture.hpp"

namespace lifespan::test {
namespace {

TEST(KeepAlive, ServesSeveralRequestsOnOneConnection) {
  slow_routes r;
  served s;
  s.add_server(r.make());
  s.start();
  client c(s.port);
  for (int i = 0; i < 5; ++i) {
    const auto reply = c.get(i % 2 ? "/fast" : "/livez");
    EXPECT_EQ(reply.status, 200);
    EXPECT_NE(reply.header("connection"), "close");
  }
  c.send("GET /fast HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  const auto last = c.read();
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(last->header("connection"), "close");
  EXPECT_TRUE(c.closed_by_server());
}

TEST(Shutdown, DrainFinishesInFlightRequestsWithConnectionCloseAndClosesIdleOnes) {
  slow_routes r;
  served s;
  s.add_server(r.make());  // two I/O threads: connection k goes to thread k mod 2
  s.start();
  client busy(s.port);  // thread 0
  busy.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(r.entered->wait_for(1));
  client idle(s.port);  // thread 1
  EXPECT_EQ(idle.get("/fast").status, 200);

  s.svc.request_shutdown();
  ASSERT_TRUE(idle.closed_by_server(10s));  // the drain closes connections that wait for a request
  EXPECT_TRUE(eventually_refused(s.port));   // and the listener
  r.release->open();
  const auto reply = busy.read();
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(reply->body, "done");
  EXPECT_EQ(reply->header("connection"), "close");
  EXPECT_TRUE(busy.closed_by_server());
  EXPECT_EQ(s.h->join(), exit_ok);
}

TEST(Shutdown, ARequestAlreadySentWhenTheDrainBeginsIsAnswered) {
  slow_routes r;
  http::router routes;
  // Inline, so it holds the only I/O thread (a pool route would leave it free to answer /fast early).
  routes.get("/slow", [r](http::request& req) {
    r.entered->add();
    r.release->wait(req.stop_token(), 20s);
    return http::response::text("done");
  }).run_inline();
  routes.get("/fast", [](http::request&) { return http::response::text("fast"); });
  served s;
  auto o = local_options();
  o.threads = 1;
  s.add_server(std::move(routes), o);
  s.start();
  client busy(s.port);
  busy.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(r.entered->wait_for(1));  // the only I/O thread is busy: nobody reads the next request yet
  client late(s.port);
  late.send("GET /fast HTTP/1.1\r\nHost: x\r\n\r\n");
  s.svc.request_shutdown();
  ASSERT_TRUE(eventually_refused(s.port));  // the drain has begun and the listener is closed
  r.release->open();
  const auto first = busy.read();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->status, 200);
  const auto second = late.read();
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->status, 200);
  EXPECT_EQ(second->body, "fast");
  EXPECT_EQ(second->header("connection"), "close");
  EXPECT_EQ(s.h->join(), exit_ok);
}

TEST(Shutdown, ServesNormallyThroughTheReadinessDelayWithReadinessOff) {
  slow_routes r;
  served s({"shutdown.readiness_delay=60s"});
  s.add_server(r.make());
  s.start();
  ASSERT_TRUE(s.h->wait_for_state(service_state::running));
  client kept(s.port);
  EXPECT_EQ(kept.get("/fast").status, 200);
  EXPECT_EQ(fetch(s.port, "/readyz").status, 200);

  s.svc.request_shutdown();
  const auto ready = fetch(s.port, "/readyz");  // at once: readiness is off before the request is processed
  EXPECT_EQ(ready.status, 503);
  ASSERT_TRUE(s.h->wait_for_state(service_state::stopping));
  EXPECT_EQ(fetch(s.port, "/readyz").json()["reason"], "the service is shutting down");
  for (int i = 0; i < 3; ++i) {
    const auto again = kept.get("/fast");  // the same keep-alive connection, still kept alive
    EXPECT_EQ(again.status, 200);
    EXPECT_NE(again.header("connection"), "close");
    EXPECT_EQ(fetch(s.port, "/fast").status, 200);  // and new connections are still accepted
  }
  EXPECT_EQ(fetch(s.port, "/livez").status, 200);
  EXPECT_EQ(fetch(s.port, "/startupz").status, 200);

  s.svc.request_shutdown();  // a second request skips the rest of the delay
  EXPECT_TRUE(kept.closed_by_server(10s));
  EXPECT_EQ(s.h->join(), exit_ok);
  EXPECT_TRUE(refused(s.port));
}

TEST(Shutdown, RequestsInFlightWhenShutdownIsRequestedCompleteWith200) {
  slow_routes r;
  served s;
  auto o = local_options();
  o.threads = 4;
  s.add_server(r.make(), o);
  s.start();
  std::vector<std::unique_ptr<client>> clients;
  for (int i = 0; i < 4; ++i) {  // one per I/O thread, each in its handler
    clients.push_back(std::make_unique<client>(s.port));
    clients.back()->send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
  }
  ASSERT_TRUE(r.entered->wait_for(4));
  s.svc.request_shutdown();
  ASSERT_TRUE(s.wait_for_phase_end("readiness_delay"));  // the drain is under way
  r.release->open();
  for (auto& c : clients) {
    const auto reply = c->read();
    ASSERT_TRUE(reply.has_value());
    EXPECT_EQ(reply->status, 200);
    EXPECT_TRUE(c->closed_by_server());  // with or without `Connection: close`, depending on the race with drain()
  }
  EXPECT_EQ(s.h->join(), exit_ok);
  for (const auto& e : s.h->events()) {
    if (e.kind == event_kind::shutdown_phase && e.detail == "drain") {
      EXPECT_LT(e.took, 10s);  // it ended because the requests did, not at its deadline
    }
  }
}

TEST(Shutdown, WhatIsStillRunningAtTheDrainDeadlineIsCancelled) {
  slow_routes r;
  served s({"shutdown.drain_timeout=300ms"});
  s.add_server(r.make());
  s.start();
  client stuck(s.port);
  stuck.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(r.entered->wait_for(1));
  s.svc.request_shutdown();
  ASSERT_TRUE(r.cancelled->wait_for(1));  // the handler's stop token fired at the deadline
  EXPECT_TRUE(stuck.closed_by_server(10s));
  const auto code = s.h->join();
  ASSERT_TRUE(code.has_value());
  EXPECT_TRUE(*code == exit_ok || *code == exit_stop_timed_out) << *code;
}

}  // namespace
}  // namespace lifespan::test
