// The byte budget for what is not body (issue 17, item 1): the header, chunk extensions and trailer
// together get max_header_bytes, so a client cannot grow the server's memory with an endless trailer
// or chunk extension; and a guarded route refuses a client before reading its body.
#include <gtest/gtest.h>

#include "fixture.hpp"
#include "rejected.hpp"

namespace lifespan::test {
namespace {

http::router upload_routes(std::shared_ptr<std::atomic<int>> uploads = std::make_shared<std::atomic<int>>()) {
  http::router routes;
  routes.post("/upload", [uploads](http::request& req) {
    ++*uploads;
    return http::response::json({{"bytes", req.body().size()}, {"trailer", req.header("x-check").value_or("")}});
  });
  return routes;
}

const std::string chunked_head = "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";

std::string repeat(std::string_view piece, std::size_t times) {
  std::string out;
  out.reserve(piece.size() * times);
  for (std::size_t i = 0; i < times; ++i) out += piece;
  return out;
}

// The server is still live and serves a new client.
void expect_live(std::uint16_t port) {
  EXPECT_EQ(fetch(port, "/livez").status, 200);
  client next(port);
  EXPECT_EQ(next.request("POST", "/upload", "abc").json()["bytes"], 3);
}

// A request within the limits: answered 200; the handler's JSON.
nlohmann::json accepted(std::uint16_t port, const std::string& bytes) {
  client c(port);
  c.send(bytes);
  const auto r = c.read();
  EXPECT_TRUE(r.has_value());
  if (!r) return {};
  EXPECT_EQ(r->status, 200) << r->body;
  return r->json();
}

// A server whose header budget is 1024 bytes.
struct RequestLimits : ::testing::Test {
  void SetUp() override {
    auto o = local_options();
    o.max_header_bytes = 1024;
    s.add_server(upload_routes(), o);
    s.start();
  }
  served s;
};

TEST_F(RequestLimits, AnEndlessTrailerGets431AndTheServerStaysLive) {
  // The reproduction, scaled down: 0\r\n, then trailer lines far beyond the budget (the issue sent 64 MB).
  const auto r = rejected(s.port, chunked_head + "5\r\nhello\r\n0\r\n" + repeat("X: 1\r\n", 40'000) + "\r\n", 431);
  EXPECT_NE(r.json()["reason"].get<std::string>().find("trailer"), std::string::npos) << r.body;
  expect_live(s.port);

  // A trailer within the budget is fine, and reaches the handler.
  const auto fine = accepted(s.port, chunked_head + "5\r\nhello\r\n0\r\nX-Check: yes\r\n\r\n");
  EXPECT_EQ(fine["bytes"], 5);
  EXPECT_EQ(fine["trailer"], "yes");
}

TEST_F(RequestLimits, HeaderAndTrailerShareOneBudget) {
  // Each under 1024 bytes alone, over it together.
  const std::string head = "POST /upload HTTP/1.1\r\nHost: x\r\nX-Pad: " + std::string(600, 'h') + "\r\nTransfer-Encoding: chunked\r\n\r\n";
  rejected(s.port, head + "5\r\nhello\r\n0\r\nX-Pad2: " + std::string(600, 't') + "\r\n\r\n", 431);
  expect_live(s.port);
}

TEST_F(RequestLimits, AnEndlessChunkExtensionGets431) {
  rejected(s.port, chunked_head + "2;" + std::string(256 * 1024, 'a') + "\r\nhi\r\n0\r\n\r\n", 431);
  expect_live(s.port);
}

TEST_F(RequestLimits, ManySmallChunkExtensionsAddUpAgainstTheBudget) {
  const auto chunk = "1;" + std::string(100, 'e') + "\r\nx\r\n";
  rejected(s.port, chunked_head + repeat(chunk, 30) + "0\r\n\r\n", 431);
  EXPECT_EQ(accepted(s.port, chunked_head + repeat(chunk, 3) + "0\r\n\r\n")["bytes"], 3);  // a few stay within it
}

// The guard answers from the header alone: the client announced a body it never sends, and gets 401 at
// once (not after body_timeout), and the connection closes, since the unread body cannot be skipped.
TEST(GuardBeforeBody, AGuardedRouteRefusesBeforeReadingTheBody) {
  served s;
  auto o = local_options();
  o.max_body_bytes = 8 << 20;
  o.body_timeout = 60s;
  auto guard_calls = std::make_shared<std::atomic<int>>();
  auto uploads = std::make_shared<std::atomic<int>>();
  auto routes = upload_routes(uploads);
  routes.guard_routes(http::under("/upload"), [guard_calls](const http::request& req) -> std::optional<http::response> {
    ++*guard_calls;
    if (req.header("authorization") == std::optional<std::string_view>("Bearer ok")) return std::nullopt;
    return http::response::error(http::status::unauthorized, "unauthorized", "a token is needed");
  });
  s.add_server(std::move(routes), o);
  s.start();

  client c(s.port);
  c.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 8000000\r\n\r\n");
  const auto refused = c.read(5s);
  ASSERT_TRUE(refused.has_value()) << "no answer before the body";
  EXPECT_EQ(refused->status, 401);
  EXPECT_EQ(refused->header("connection"), "close");
  EXPECT_TRUE(c.closed_by_server());

  rejected(s.port, "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n", 401);

  client ok(s.port);  // let through: the body is read, and the guard ran once for the request
  const auto before = guard_calls->load();
  EXPECT_EQ(ok.request("POST", "/upload", "abcd", "Authorization: Bearer ok\r\n").json()["bytes"], 4);
  EXPECT_EQ(guard_calls->load(), before + 1);
  EXPECT_EQ(uploads->load(), 1);
}

}  // namespace
}  // namespace lifespan::test
