// Server-sent events: a response that stays open, fed from another thread, ended by the producer,
// by the client going away, or by the server's drain.
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <thread>

#include "client.hpp"
#include "fixture.hpp"
#include "lifespan/http/event_stream.hpp"

namespace lifespan::test {
namespace {

using namespace std::chrono_literals;

// The route hands every stream it opens to the test, which plays the producer.
struct streams {
  std::mutex m;
  std::condition_variable cv;
  std::vector<std::shared_ptr<http::event_stream>> opened;
  std::vector<std::string> last_event_ids;

  http::router routes() {
    http::router r;
    r.get("/events", [this](http::request& req) {
      auto s = http::event_stream::open(4096);
      s->send("hello", "first");  // queued before the response leaves the handler
      std::lock_guard lock(m);
      opened.push_back(s);
      last_event_ids.emplace_back(req.header("last-event-id").value_or(""));
      cv.notify_all();
      return http::response::events(s);
    });
    return r;
  }
  std::shared_ptr<http::event_stream> await(std::size_t i) {
    std::unique_lock lock(m);
    if (!cv.wait_for(lock, 10s, [&] { return opened.size() > i; })) return nullptr;
    return opened[i];
  }
};

// A running server with the route above, one client that asked for the stream, and the stream.
struct one_stream {
  explicit one_stream(std::vector<std::string> overrides = {}, const std::string& headers = {}) : s(std::move(overrides)) {
    s.add_server(st.routes());
    s.start();
    c.emplace(s.port);
    c->send("GET /events HTTP/1.1\r\nHost: x\r\n" + headers + "\r\n");
    stream = st.await(0);
  }
  streams st;
  served s;
  std::optional<client> c;
  std::shared_ptr<http::event_stream> stream;
};

TEST(EventStream, EventsSentFromAnotherThreadArriveInOrderAndCloseEndsTheResponse) {
  one_stream o({}, "Last-Event-ID: 41\r\n");
  auto& c = *o.c;
  auto stream = o.stream;
  ASSERT_TRUE(stream);
  EXPECT_EQ(o.st.last_event_ids[0], "41");
  ASSERT_TRUE(c.receive_until("data: first\n\n"));
  EXPECT_NE(c.received().find("HTTP/1.1 200 OK\r\n"), std::string::npos) << c.received();
  EXPECT_NE(c.received().find("Content-Type: text/event-stream\r\n"), std::string::npos) << c.received();
  EXPECT_EQ(c.received().find("Content-Length"), std::string::npos) << "the body is delimited by the close";

  std::thread producer([stream] {
    for (int i = 0; i < 50; ++i) ASSERT_TRUE(stream->send("n", std::to_string(i), std::to_string(i)));
    ASSERT_TRUE(stream->send("multi", "line one\nline two"));
    stream->close();
  });
  producer.join();
  ASSERT_TRUE(c.closed_by_server()) << "close() ends the response";
  const auto& got = c.received();
  std::size_t at = 0;
  for (int i = 0; i < 50; ++i) {
    const auto next = got.find("event: n\nid: " + std::to_string(i) + "\ndata: " + std::to_string(i) + "\n\n", at);
    ASSERT_NE(next, std::string::npos) << "event " << i << " missing or out of order in:\n" << got;
    at = next;
  }
  EXPECT_NE(got.find("event: multi\ndata: line one\ndata: line two\n\n"), std::string::npos) << got;
  EXPECT_FALSE(stream->send("late", "x")) << "a closed stream refuses events";
}

TEST(EventStream, AClientGoingAwayEndsTheStreamForTheProducer) {
  one_stream o;
  auto stream = o.stream;
  ASSERT_TRUE(stream);
  ASSERT_TRUE(o.c->receive_until("data: first\n\n"));
  o.c.reset();  // disconnects
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (!stream->ended() && std::chrono::steady_clock::now() < until) std::this_thread::yield();
  EXPECT_TRUE(stream->ended());
  EXPECT_FALSE(stream->send("x", "y"));
}

TEST(EventStream, AReaderTooSlowForTheBufferIsCutOff) {
  one_stream o;
  auto& c = *o.c;
  auto stream = o.stream;
  ASSERT_TRUE(stream);
  // The client reads nothing: the kernel buffers fill, then the stream's 4 KiB bound is exceeded.
  const std::string chunk(1000, 'x');
  bool refused = false;
  for (int i = 0; i < 100000 && !refused; ++i) refused = !stream->send("bulk", chunk);
  EXPECT_TRUE(refused) << "memory held for a reader that does not read is bounded";
  EXPECT_TRUE(c.closed_by_server()) << "and the connection is closed";
}

TEST(EventStream, DrainEndsOpenStreamsAfterWhatIsQueued) {
  one_stream o({"shutdown.readiness_delay=0s"});
  auto& c = *o.c;
  auto stream = o.stream;
  ASSERT_TRUE(stream);
  ASSERT_TRUE(c.receive_until("data: first\n\n"));
  ASSERT_TRUE(stream->send("last", "before the drain"));
  o.s.svc.request_shutdown();
  ASSERT_TRUE(c.closed_by_server()) << "a stream never holds the drain up";
  EXPECT_NE(c.received().find("data: before the drain\n\n"), std::string::npos) << c.received();
  ASSERT_TRUE(o.s.wait_for_phase_end("drain"));
  EXPECT_TRUE(stream->ended());
}

}  // namespace
}  // namespace lifespan::test
