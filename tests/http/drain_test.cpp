// Drain answers what arrived, with the handler pool saturated: requests being handled, queued, or
// unread on a keep-alive connection when the listener closes are all answered with `Connection: close`;
// at the drain deadline what is still unanswered gets its stop token and a 503, counted in the log.
#include <gtest/gtest.h>

#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <vector>

#include "fixture.hpp"

namespace lifespan::test {
namespace {

http::server::options saturated_options(int io_threads, int handler_threads) {
  auto o = local_options();
  o.threads = io_threads;
  o.handler_threads = handler_threads;
  o.handler_queue = 16;
  return o;
}

void expect_answered_and_closed(client& c, const std::string& body, int status = 200) {
  const auto reply = c.read();
  ASSERT_TRUE(reply.has_value()) << "no response";
  EXPECT_EQ(reply->status, status) << reply->body;
  if (!body.empty()) {
    EXPECT_EQ(reply->body, body);
  }
  EXPECT_EQ(reply->header("connection"), "close");
  EXPECT_TRUE(c.closed_by_server());
  EXPECT_EQ(c.received(), "") << "more than one response";
}

TEST(Drain, UnderSaturationEveryRequestThatArrivedIsAnsweredWithConnectionClose) {
  slow_routes r;
  served s;
  s.add_server(r.make(), saturated_options(2, 2));  // six slow requests for two handler threads
  s.start();
  client idle(s.port);
  EXPECT_EQ(idle.get("/fast").status, 200);  // keep-alive, then nothing: closed by the drain
  std::vector<std::unique_ptr<client>> slow;
  for (int i = 0; i < 5; ++i) {
    slow.push_back(std::make_unique<client>(s.port));
    slow.back()->send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
  }
  client pipelined(s.port);  // a second request behind the first, unread while the first is handled
  pipelined.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /fast HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(r.entered->wait_for(2));  // two running, four queued

  s.svc.request_shutdown();
  ASSERT_TRUE(idle.closed_by_server(10s));
  EXPECT_EQ(idle.received(), "");
  ASSERT_TRUE(eventually_refused(s.port));
  r.release->open();
  for (auto& c : slow) expect_answered_and_closed(*c, "done");
  const auto first = pipelined.read();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->body, "done");
  EXPECT_NE(first->header("connection"), "close");  // more was sent on it: kept open for that
  expect_answered_and_closed(pipelined, "fast");
  EXPECT_EQ(s.h->join(), exit_ok);  // the drain ended because the requests did, not at its deadline
}

// The lost request: a keep-alive connection's next request arrives while no thread has read
// it yet (here the only I/O thread is held by an inline handler) and the drain begins. It is read and
// answered, not dropped with the connection.
TEST(Drain, ARequestUnreadOnAnIdleKeepAliveConnectionIsAnswered) {
  auto release = std::make_shared<gate>();
  auto entered = std::make_shared<counter>();
  http::router routes;
  routes.get("/hold", [release, entered](http::request& req) {
    entered->add();
    release->wait(req.stop_token(), 20s);
    return http::response::text("held");
  }).run_inline();
  routes.get("/fast", [](http::request&) { return http::response::text("fast"); });
  served s;
  s.add_server(std::move(routes), saturated_options(1, 2));
  s.start();
  client kept(s.port);
  EXPECT_EQ(kept.get("/fast").status, 200);
  client holder(s.port);
  holder.send("GET /hold HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(entered->wait_for(1));  // the only I/O thread is busy
  kept.send("GET /fast HTTP/1.1\r\nHost: x\r\n\r\n");
  s.svc.request_shutdown();
  ASSERT_TRUE(eventually_refused(s.port));  // the drain has begun (it closes idle connections next)
  release->open();
  expect_answered_and_closed(holder, "held");
  expect_answered_and_closed(kept, "fast");
  EXPECT_EQ(s.h->join(), exit_ok);
}

TEST(Drain, AtTheDeadlineUnansweredRequestsGetTheirStopTokenAnd503CountedInTheLog) {
  auto sink = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(64);
  const auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", sink));
  slow_routes r;
  served s({"shutdown.drain_timeout=300ms"});
  s.add_server(r.make(), saturated_options(2, 1));
  s.start();
  client stubborn(s.port);  // holds the one handler thread, deaf to its stop token
  stubborn.send("GET /stubborn HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(r.stubborn_entered->wait_for(1));
  std::vector<std::unique_ptr<client>> queued;
  for (int i = 0; i < 2; ++i) {
    queued.push_back(std::make_unique<client>(s.port));
    queued.back()->send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
  }
  const auto began = std::chrono::steady_clock::now();
  s.svc.request_shutdown();
  expect_answered_and_closed(stubborn, "", 503);
  for (auto& c : queued) expect_answered_and_closed(*c, "", 503);
  EXPECT_LT(std::chrono::steady_clock::now() - began, 5s);
  EXPECT_FALSE(r.entered->wait_for(1, 0ms)) << "a queued request's handler ran after the deadline";
  r.release->open();  // the stubborn handler returns; stop() joins its thread
  const auto code = s.h->join();
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, exit_stop_timed_out);
  spdlog::set_default_logger(previous);
  bool logged = false;
  for (const auto& line : sink->last_formatted())
    logged = logged || line.find("drain deadline reached: 3 unanswered requests got their stop token and a 503") != std::string::npos;
  EXPECT_TRUE(logged);
}

}  // namespace
}  // namespace lifespan::test
