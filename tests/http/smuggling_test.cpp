// Request smuggling through Transfer-Encoding (issue 17, item 2; RFC 9112 sections 6.1 and 6.3): a
// coding other than a lone final `chunked` is refused before any body byte is read, with exactly one
// response, and the connection closes, so the body is never read as a second request.
#include <gtest/gtest.h>

#include "fixture.hpp"
#include "rejected.hpp"

namespace lifespan::test {
namespace {

struct calls {
  std::atomic<int> upload{0};
  std::atomic<int> hello{0};
};

http::router counting_routes(const std::shared_ptr<calls>& n) {
  http::router routes;
  routes.get("/hello", [n](http::request&) {
    ++n->hello;
    return http::response::text("hi");
  });
  routes.post("/upload", [n](http::request& req) {
    ++n->upload;
    return http::response::json({{"bytes", req.body().size()}});
  });
  return routes;
}

const std::string smuggled = "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n";  // the "body" of the refused requests
const std::string chunked_hello = "5\r\nhello\r\n0\r\n\r\n";

struct smuggling_case {
  std::string framing;  // header lines
  std::string body;
  int status;
};

TEST(Smuggling, TransferCodingsOtherThanALoneFinalChunkedAreRefusedWithOneResponseThenAClose) {
  auto n = std::make_shared<calls>();
  served s;
  s.add_server(counting_routes(n));
  s.start();
  const std::string cl = "Content-Length: " + std::to_string(smuggled.size()) + "\r\n";
  const std::vector<smuggling_case> cases{
      {"Transfer-Encoding: xchunked\r\n", smuggled, 400},             // chunked is not the final coding
      {"Transfer-Encoding: chunked, identity\r\n", smuggled, 400},    // nor here
      {"Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n", smuggled, 400},
      {"Transfer-Encoding: chunked;x=1\r\n", chunked_hello, 400},     // chunked has no parameters
      {"Transfer-Encoding: chu nked\r\n", smuggled, 400},             // not a token
      {"Transfer-Encoding: gzip, chunked\r\n", chunked_hello, 501},   // understood framing, unknown coding
      {"Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n", chunked_hello, 501},
      {"Transfer-Encoding: gzip\r\n" + cl, smuggled, 400},            // with Content-Length (RFC 9112 6.3)
      {cl + "Transfer-Encoding: chunked\r\n", smuggled, 400},
      {"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", chunked_hello, 400},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.framing);
    rejected(s.port, "POST /upload HTTP/1.1\r\nHost: x\r\n" + c.framing + "\r\n" + c.body, c.status);
  }
  {
    client c(s.port);  // HTTP/1.0: closing is the default, so no Connection header says it
    c.send("POST /upload HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked_hello);
    const auto r = c.read();
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->status, 400) << r->body;
    EXPECT_TRUE(c.closed_by_server());
    EXPECT_EQ(c.received(), "");
  }
  EXPECT_EQ(n->upload.load(), 0) << "a refused request reached its handler";
  EXPECT_EQ(n->hello.load(), 0) << "a body was read as a request";
  EXPECT_EQ(fetch(s.port, "/livez").status, 200);
}

TEST(Smuggling, ALoneChunkedInAnyCaseIsAccepted) {
  auto n = std::make_shared<calls>();
  served s;
  s.add_server(counting_routes(n));
  s.start();
  client c(s.port);
  for (const std::string te : {"chunked", "Chunked", " chunked ", ", chunked"}) {
    SCOPED_TRACE(te);
    c.send("POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:" + te + "\r\n\r\n" + chunked_hello);
    const auto r = c.read();
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->status, 200) << r->body;
    EXPECT_EQ(r->json()["bytes"], 5);
  }
  EXPECT_EQ(n->upload.load(), 4);
}

}  // namespace
}  // namespace lifespan::test
