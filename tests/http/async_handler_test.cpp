// Asynchronous handlers through real sockets: they hold no thread while they wait, so more of them wait
// than there are handler threads and queue slots; the responder answers from any thread, once; the
// deadline answers 503, fires the responder's stop token and discards a late answer; a dropped
// responder is a 500, a throw is the handler's error; and a responder outliving the server is harmless.
#include <gtest/gtest.h>

#include <mutex>
#include <thread>
#include <vector>

#include "fixture.hpp"

namespace lifespan::test {
namespace {

// Keeps the responders of GET /later (and GET /late, whose deadline is 200 ms) for the test to answer.
struct held {
  std::mutex mutex;
  std::vector<http::responder> responders;
  std::shared_ptr<counter> entered = std::make_shared<counter>();

  http::async_handler keep() {
    return [this](http::request&, http::responder r) {
      {
        std::lock_guard lock(mutex);
        responders.push_back(std::move(r));
      }
      entered->add();
    };
  }
  std::vector<http::responder> take() {
    std::lock_guard lock(mutex);
    return std::exchange(responders, {});
  }
};

http::router async_routes(held& h) {
  http::router routes;
  routes.get_async("/later", h.keep());
  routes.get_async("/late", h.keep()).timeout(200ms);
  routes.get_async("/drop", [](http::request&, http::responder) {});
  routes.get_async("/conflict", [](http::request&, http::responder) -> void {
    throw http::error(http::status::conflict, "conflict", "the quote changed");
  });
  routes.get_async("/twice", [](http::request&, http::responder r) {
    r.send(http::response::text("first"));
    r.send(http::response::text("second"));
    throw std::runtime_error("after the answer: changes nothing");
  });
  routes.get_async("/upstream", [](http::request&, http::responder r) {
    std::thread([r] { r.send(http::upstream_timeout("the quote service did not answer within 2s").to_response()); }).detach();
  });
  routes.get("/fast", [](http::request&) { return http::response::text("fast"); });
  return routes;
}

http::server::options one_thread_one_slot() {
  auto o = local_options();
  o.handler_threads = 1;
  o.handler_queue = 1;
  return o;
}

TEST(AsyncHandler, WaitingHandlersHoldNoThreadAndAreAnsweredFromOtherThreads) {
  held h;
  served s;
  s.add_server(async_routes(h), one_thread_one_slot());
  s.start();
  constexpr int waiting = 12;  // far more than 1 handler thread + 1 queue slot
  std::vector<std::unique_ptr<client>> clients;
  for (int i = 0; i < waiting; ++i) {
    clients.push_back(std::make_unique<client>(s.port));
    clients.back()->send("GET /later HTTP/1.1\r\nHost: x\r\n\r\n");
  }
  ASSERT_TRUE(h.entered->wait_for(waiting));
  EXPECT_EQ(fetch(s.port, "/fast").body, "fast") << "the one handler thread is free";
  EXPECT_EQ(rejected_total(s.port, "queue_full"), 0);

  auto responders = h.take();
  ASSERT_EQ(responders.size(), static_cast<std::size_t>(waiting));
  std::vector<std::thread> answering;
  for (std::size_t i = 0; i < responders.size(); ++i)
    answering.emplace_back([&responders, i] {
      EXPECT_TRUE(responders[i].send(http::response::json({{"n", i}})));
      EXPECT_TRUE(responders[i].answered());
    });
  for (auto& t : answering) t.join();
  std::vector<bool> seen(waiting, false);
  for (auto& c : clients) {
    const auto r = c->read();
    ASSERT_TRUE(r.has_value());
    ASSERT_EQ(r->status, 200) << r->body;
    seen[r->json()["n"].get<std::size_t>()] = true;
  }
  EXPECT_EQ(std::count(seen.begin(), seen.end(), true), waiting) << "each request got its own answer";
}

TEST(AsyncHandler, TheFirstAnswerWinsADroppedResponderIs500AndAThrowIsTheHandlersError) {
  held h;
  served s;
  s.add_server(async_routes(h));
  s.start();
  client c(s.port);
  const auto twice = c.get("/twice");
  EXPECT_EQ(twice.body, "first");

  const auto dropped = c.get("/drop");
  EXPECT_EQ(dropped.status, 500);
  EXPECT_EQ(dropped.json()["error"], "internal error");
  EXPECT_NE(dropped.json()["reason"].get<std::string>().find("unanswered"), std::string::npos) << dropped.body;

  const auto conflict = c.get("/conflict");
  EXPECT_EQ(conflict.status, 409);
  EXPECT_EQ(conflict.json()["reason"], "the quote changed");

  const auto upstream = c.get("/upstream");
  EXPECT_EQ(upstream.status, 504);
  EXPECT_EQ(upstream.json()["error"], "upstream timeout");
  EXPECT_EQ(rejected_total(s.port, "timeout"), 1);
  EXPECT_EQ(c.get("/fast").body, "fast") << "the connection is still usable";
}

TEST(AsyncHandler, TheDeadlineAnswers503FiresTheStopTokenAndDiscardsALateAnswer) {
  held h;
  served s;
  s.add_server(async_routes(h));
  s.start();
  client c(s.port);
  const auto r = c.get("/late");
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_EQ(r.json()["error"], "timeout");
  EXPECT_EQ(r.header("retry-after"), "1");
  auto responders = h.take();
  ASSERT_EQ(responders.size(), 1u);
  EXPECT_TRUE(responders[0].stop_token().stop_requested());
  EXPECT_FALSE(responders[0].send(http::response::text("too late")));
  EXPECT_EQ(rejected_total(s.port, "timeout"), 1);
  EXPECT_EQ(c.get("/fast").body, "fast") << "the late answer was not written to the connection";
}

TEST(AsyncHandler, AResponderOutlivingTheServerAnswersNothing) {
  held h;
  served s({"shutdown.drain_timeout=200ms"});
  s.add_server(async_routes(h));
  s.start();
  client c(s.port);
  c.send("GET /later HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(h.entered->wait_for(1));
  s.h->stop();  // the drain deadline answers it 503 and the stop closes the gate
  const auto r = c.read();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 503);
  auto responders = h.take();
  ASSERT_EQ(responders.size(), 1u);
  EXPECT_TRUE(responders[0].stop_token().stop_requested());
  EXPECT_FALSE(responders[0].send(http::response::text("after the server")));
  responders.clear();  // the last copy goes: nothing to deliver to, nothing logged
}

}  // namespace
}  // namespace lifespan::test
