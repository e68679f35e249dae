// JSON bodies from clients (issue 17, items 3 and 10): nesting beyond max_json_depth and numbers out of
// range are answered 400 with a short reason, never a crash or a 500 that logs the whole body.
#include <gtest/gtest.h>

#include "fixture.hpp"

namespace lifespan::test {
namespace {

// Echoes the body back: writing it out recurses once per level, which a deep body used to overflow.
http::router echo_routes() {
  http::router routes;
  routes.post("/echo", [](http::request& req) { return http::response::json({{"echo", req.json()}}); });
  return routes;
}

std::string nested(std::size_t levels) { return std::string(levels, '[') + std::string(levels, ']'); }

TEST(JsonBody, NestingBeyondMaxJsonDepthIs400AndTheServerStaysLive) {
  served s;
  s.add_server(echo_routes());
  s.start();
  client c(s.port);
  const auto deep = c.request("POST", "/echo", nested(80'000));  // 160 KB, under max_body_bytes
  EXPECT_EQ(deep.status, 400) << deep.body.substr(0, 200);
  EXPECT_NE(deep.json()["reason"].get<std::string>().find("max_json_depth (64 levels)"), std::string::npos) << deep.body;
  EXPECT_EQ(c.request("POST", "/echo", nested(64)).status, 200);  // at the limit
  EXPECT_EQ(c.request("POST", "/echo", nested(65)).status, 400);
  EXPECT_EQ(c.request("POST", "/echo", R"(["[[[[[[[[[[", {"a": "]]]"}])").status, 200);  // brackets in strings
  EXPECT_EQ(fetch(s.port, "/livez").status, 200);
}

TEST(JsonBody, TheDepthLimitIsConfigurable) {
  served s;
  auto o = local_options();
  o.max_json_depth = 3;
  s.add_server(echo_routes(), o);
  s.start();
  client c(s.port);
  EXPECT_EQ(c.request("POST", "/echo", R"({"a": [[1]]})").status, 200);
  const auto r = c.request("POST", "/echo", R"({"a": [[[1]]]})");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("max_json_depth (3 levels)"), std::string::npos) << r.body;
}

TEST(JsonBody, NumbersOutOfRangeAre400WithAShortReason) {
  served s;
  s.add_server(echo_routes());
  s.start();
  client c(s.port);
  const auto small = c.request("POST", "/echo", R"({"rows": [[1e999]]})");
  EXPECT_EQ(small.status, 400) << small.body;
  EXPECT_NE(small.body.find("not valid JSON"), std::string::npos) << small.body;
  const auto huge = c.request("POST", "/echo", "{\"version\": 1" + std::string(200'000, '0') + "}");
  EXPECT_EQ(huge.status, 400) << huge.body.substr(0, 300);
  EXPECT_LT(huge.body.size(), 600u) << "the reason quotes the whole number";
  EXPECT_NE(huge.body.find("bytes more"), std::string::npos) << huge.body;
  EXPECT_EQ(c.request("POST", "/echo", "{\"a\": tru}").status, 400);  // a syntax error, as before
}

}  // namespace
}  // namespace lifespan::test
