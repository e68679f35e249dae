// The handler pool through real sockets: handlers that block hold handler threads, never the I/O
// threads, so probes, inline routes and other connections are answered while every handler thread is
// busy and the queue is full; a full queue is answered 503 at once; a request's deadline answers 503
// (504 for an upstream timeout) and signals its handler's stop token; everything is counted in /metrics.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <iostream>
#include <vector>

#include "fixture.hpp"

namespace lifespan::test {
namespace {

http::server::options pool_options(int handler_threads, int handler_queue) {
  auto o = local_options();  // 2 I/O threads
  o.handler_threads = handler_threads;
  o.handler_queue = handler_queue;
  return o;
}

// Sends `target` on `n` fresh connections, left open in `out`.
void send_on_new_connections(std::uint16_t port, const std::string& target, int n, std::vector<std::unique_ptr<client>>& out) {
  for (int i = 0; i < n; ++i) {
    out.push_back(std::make_unique<client>(port));
    out.back()->send("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n");
  }
}

// Polls /metrics (answered on an I/O thread) until `n` requests wait for a handler thread.
bool queue_reaches(std::uint16_t port, double n) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (metric_sample(fetch(port, "/metrics").body, "lifespan_http_handler_queue_depth") == n) return true;
    std::this_thread::sleep_for(1ms);  // a polling interval; the depth itself is what we wait for
  }
  return false;
}

void expect_overloaded(const reply& r) {
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_EQ(r.header("retry-after"), "1");
  EXPECT_EQ(r.header("content-type"), "application/json");
  EXPECT_EQ(r.json()["error"], "overloaded");
  EXPECT_NE(r.json()["reason"].get<std::string>().find("handler_queue"), std::string::npos) << r.body;
}

TEST(HandlerPool, AFullQueueIsAnswered503AtOnceWhileInlineRoutesStillAnswer) {
  slow_routes r;
  served s;
  s.add_server(r.make(), pool_options(2, 1));
  s.start();
  std::vector<std::unique_ptr<client>> busy;
  send_on_new_connections(s.port, "/slow", 2, busy);
  ASSERT_TRUE(r.entered->wait_for(2));              // both handler threads are taken
  send_on_new_connections(s.port, "/slow", 1, busy);  // and this one waits in the queue of 1
  ASSERT_TRUE(queue_reaches(s.port, 1));
  client c(s.port);
  const auto refused_reply = c.get("/fast");
  expect_overloaded(refused_reply);
  EXPECT_NE(refused_reply.header("connection"), "close");  // the connection stays usable
  EXPECT_EQ(c.get("/inline").body, "inline");              // inline routes never wait for a handler thread
  EXPECT_EQ(c.get("/livez").status, 200);
  EXPECT_GE(rejected_total(s.port, "queue_full"), 1);
  EXPECT_EQ(rejected_total(s.port, "timeout"), 0);

  r.release->open();
  for (auto& b : busy) {  // the queued request ran once a thread was free
    const auto reply = b->read();
    ASSERT_TRUE(reply.has_value());
    EXPECT_EQ(reply->body, "done");
  }
}

// Latencies of `n` probes on one keep-alive connection, cycling through the three; each must be 200.
std::vector<std::chrono::nanoseconds> probe(std::uint16_t port, int n) {
  static const std::array<std::string, 3> paths{"/livez", "/readyz", "/startupz"};
  client c(port);
  std::vector<std::chrono::nanoseconds> took;
  for (int i = 0; i < n; ++i) {
    const auto began = std::chrono::steady_clock::now();
    const auto r = c.get(paths[static_cast<std::size_t>(i) % paths.size()]);
    took.push_back(std::chrono::steady_clock::now() - began);
    EXPECT_EQ(r.status, 200) << paths[static_cast<std::size_t>(i) % paths.size()] << ": " << r.body;
  }
  std::sort(took.begin(), took.end());
  return took;
}

TEST(HandlerPool, ProbesAnswerFastWhileEveryHandlerThreadIsBusyAndTheQueueIsFull) {
  slow_routes r;
  served s;
  s.add_server(r.make(), pool_options(4, 4));
  s.start();
  ASSERT_TRUE(s.h->wait_for_state(service_state::running));  // /readyz and /startupz answer 200
  std::vector<std::unique_ptr<client>> busy;
  send_on_new_connections(s.port, "/slow", 8, busy);  // 4 running, 4 queued
  ASSERT_TRUE(r.entered->wait_for(4));
  ASSERT_TRUE(queue_reaches(s.port, 4));
  expect_overloaded(fetch(s.port, "/fast"));  // saturated: one more is refused at once

  const auto took = probe(s.port, 300);
  const auto p99 = took[took.size() * 99 / 100];
  std::cout << "probe latency with the pool saturated: p50 " << took[took.size() / 2].count() / 1000 << " us, p99 "
            << p99.count() / 1000 << " us, max " << took.back().count() / 1000 << " us\n";
  EXPECT_LE(p99, probe_p99_bound);
  EXPECT_FALSE(r.entered->wait_for(5, 0ms)) << "the handlers were released while probing";

  r.release->open();
  for (auto& b : busy) {
    const auto reply = b->read();
    ASSERT_TRUE(reply.has_value());
    EXPECT_EQ(reply->body, "done");
  }
}

TEST(Deadline, RequestTimeoutSignalsTheStopTokenAndAnswers503) {
  slow_routes r;
  served s;
  auto o = pool_options(2, 8);
  o.request_timeout = 200ms;
  s.add_server(r.make(), o);
  s.start();
  client c(s.port);
  const auto began = std::chrono::steady_clock::now();
  const auto reply = c.get("/slow");
  const auto took = std::chrono::steady_clock::now() - began;
  EXPECT_EQ(reply.status, 503) << reply.body;
  EXPECT_EQ(reply.json()["error"], "timeout");
  EXPECT_NE(reply.json()["reason"].get<std::string>().find("GET /slow was not answered within 200ms"), std::string::npos)
      << reply.body;
  EXPECT_EQ(reply.header("retry-after"), "1");
  EXPECT_GE(took, 200ms);
  EXPECT_LT(took, 5s);  // not the 20 s the handler would have waited
  EXPECT_TRUE(r.cancelled->wait_for(1)) << "the handler's stop token did not fire";
  EXPECT_EQ(c.get("/fast").body, "fast");  // the connection goes on
  EXPECT_EQ(rejected_total(s.port, "timeout"), 1);
}

TEST(Deadline, AHandlerIgnoringItsTokenIsAnsweredAtTheRouteDeadlineAndItsLateResultDiscarded) {
  slow_routes r;
  served s;
  s.add_server(r.make(150ms), pool_options(1, 8));  // one handler thread: the stubborn handler holds it
  s.start();
  client c(s.port);
  const auto reply = c.get("/stubborn");  // the route's 150 ms, not the server's 30 s
  EXPECT_EQ(reply.status, 503);
  EXPECT_EQ(reply.json()["error"], "timeout");
  c.send("GET /fast HTTP/1.1\r\nHost: x\r\n\r\n");  // queued behind the stubborn handler
  EXPECT_FALSE(c.read(100ms).has_value());
  r.release->open();  // the stubborn handler returns "late", which nobody gets; its thread runs /fast
  const auto next = c.read();
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->body, "fast");
  EXPECT_EQ(c.get("/fast").body, "fast");
  EXPECT_EQ(rejected_total(s.port, "timeout"), 1);
}

TEST(Deadline, AnUpstreamTimeoutIsAnswered504AndCountedAsATimeout) {
  http::router routes;
  routes.get("/upstream", [](http::request&) -> http::response {
    throw http::upstream_timeout("the inventory service did not answer within 2s");
  });
  served s;
  s.add_server(std::move(routes));
  s.start();
  const auto reply = fetch(s.port, "/upstream");
  EXPECT_EQ(reply.status, 504);
  EXPECT_EQ(reply.json()["error"], "upstream timeout");
  EXPECT_EQ(reply.json()["reason"], "the inventory service did not answer within 2s");
  EXPECT_EQ(rejected_total(s.port, "timeout"), 1);
}

TEST(Deadline, ATimeoutThatIsNotPositiveIsRefusedWhenTheRouteIsDeclared) {
  http::router routes;
  auto& r = routes.get("/x", [](http::request&) { return http::response{}; });
  EXPECT_THROW(r.timeout(0ms), std::invalid_argument);
  EXPECT_NO_THROW(r.timeout(1s));
}

}  // namespace
}  // namespace lifespan::test
