// Application routes: parameters, query, JSON, errors from handlers, and the components a route needs
// (503 naming the component until it is usable, then the handler's answer). Also add_server itself.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "fixture.hpp"

namespace lifespan::test {
namespace {

struct failing : component {
  void start(context&) override { throw std::runtime_error("no disk"); }
};

TEST(Routes, ARouteAnswers503NamingTheComponentUntilItIsUpThenTheHandlerAnswers) {
  auto g = std::make_shared<gate>();
  served s;
  s.svc.add<gated>("db", g).background();
  http::router routes;
  routes.get("/api/items/{id}", [](http::request& req) {
    auto& db = req.get<gated>("db");
    return http::response::json({{"id", req.param("id")}, {"calls", ++db.calls}});
  }).needs<gated>("db");
  s.add_server(std::move(routes));
  s.start();

  client c(s.port);
  const auto waiting = c.get("/api/items/7");
  EXPECT_EQ(waiting.status, 503);
  EXPECT_EQ(waiting.header("retry-after"), "1");
  const auto body = waiting.json();
  EXPECT_EQ(body["error"], "unavailable");
  EXPECT_EQ(body["component"], "db");
  EXPECT_EQ(body["state"], "starting");
  EXPECT_EQ(body["reason"], "component 'db' is starting");
  EXPECT_NE(waiting.header("connection"), "close");  // a 503 does not cost the client its connection

  g->open();
  ASSERT_TRUE(s.h->wait_for_event(event_kind::component_up, "db"));
  const auto served_now = c.get("/api/items/7");
  EXPECT_EQ(served_now.status, 200);
  EXPECT_EQ(served_now.json(), (nlohmann::json{{"id", "7"}, {"calls", 1}}));
}

TEST(Routes, AFailedComponentIsNamedWithItsState) {
  served s({"broken.retry_initial=1h", "broken.retry_max=1h"});
  s.svc.add<failing>("broken").background();
  http::router routes;
  routes.get("/x", [](http::request&) { return http::response::text("unreachable"); }).needs("broken");
  s.add_server(std::move(routes));
  s.start();
  ASSERT_TRUE(s.h->wait_for_event(event_kind::component_failed, "broken"));
  const auto r = fetch(s.port, "/x");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.json()["component"], "broken");
  EXPECT_EQ(r.json()["state"], "failed");
}

TEST(Routes, AComponentThatIsUpButCannotServeNowGets503NamingIt) {
  served s;
  http::router routes;
  routes.get("/api/items", [](http::request&) -> http::response {
    throw component_unavailable("db", "database 'db' (postgresql://u:***@h/db) is unreachable: connection refused");
  });
  s.add_server(std::move(routes));
  s.start();
  const auto r = fetch(s.port, "/api/items");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.header("retry-after"), "1");
  EXPECT_EQ(r.json()["error"], "unavailable");
  EXPECT_EQ(r.json()["component"], "db");
  EXPECT_NE(r.json()["reason"].get<std::string>().find("is unreachable"), std::string::npos) << r.body;
}

// Found by tests/fuzz/query_fuzz.cpp: a key written with '+' for a space was listed but not found.
TEST(Routes, QueryKeysAreFoundAsDecoded) {
  served s;
  http::router routes;
  routes.get("/q", [](http::request& req) {
    return http::response::json({{"spaced", req.query("a b").value_or("-")}, {"plain", req.query("c").value_or("-")}});
  });
  s.add_server(std::move(routes));
  s.start();
  client c(s.port);
  const auto r = c.get("/q?a+b=1+2&c=x%2By");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.json(), (nlohmann::json{{"spaced", "1 2"}, {"plain", "x+y"}}));
  EXPECT_EQ(c.get("/q?a%20b=3").json()["spaced"], "3");
}

TEST(Routes, ParametersQueryJsonAndHandlerErrors) {
  served s;
  http::router routes;
  routes.get("/echo/{a}/{b}", [](http::request& req) {
    return http::response::json({{"a", req.param("a")},
                                 {"b", req.param("b")},
                                 {"q", req.query("q").value_or("-")},
                                 {"flag", req.query("flag").has_value()},
                                 {"route", req.route()},
                                 {"path", req.path()},
                                 {"agent", req.header("user-agent").value_or("-")}});
  });
  routes.post("/sum", [](http::request& req) {
    const auto j = req.json();
    return http::response::json({{"sum", j.at("a").get<int>() + j.at("b").get<int>()}}, http::status::created);
  });
  routes.get("/teapot", [](http::request&) -> http::response {
    throw http::error(static_cast<http::status>(418), "teapot", "short and stout");
  });
  routes.get("/boom", [](http::request&) -> http::response { throw std::runtime_error("secret detail"); });
  routes.get("/text", [](http::request&) { return http::response::text("hello").set("X-Extra", "1"); });
  s.add_server(std::move(routes));
  s.start();

  client c(s.port);
  const auto echo = c.request("GET", "/echo/one/two%20three?q=a%26b&flag", {}, "User-Agent: probe\r\n");
  ASSERT_EQ(echo.status, 200);
  EXPECT_EQ(echo.json(), (nlohmann::json{{"a", "one"},
                                         {"b", "two three"},
                                         {"q", "a&b"},
                                         {"flag", true},
                                         {"route", "/echo/{a}/{b}"},
                                         {"path", "/echo/one/two%20three"},
                                         {"agent", "probe"}}));

  const auto sum = c.request("POST", "/sum", R"({"a": 2, "b": 3})");
  EXPECT_EQ(sum.status, 201);
  EXPECT_EQ(sum.json()["sum"], 5);
  const auto bad = c.request("POST", "/sum", "not json");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.json()["error"], "bad request");
  EXPECT_NE(bad.json()["reason"].get<std::string>().find("not valid JSON"), std::string::npos);

  const auto teapot = c.get("/teapot");
  EXPECT_EQ(teapot.status, 418);
  EXPECT_EQ(teapot.json(), (nlohmann::json{{"error", "teapot"}, {"reason", "short and stout"}}));
  const auto boom = c.get("/boom");
  EXPECT_EQ(boom.status, 500);
  EXPECT_EQ(boom.json()["error"], "internal error");
  EXPECT_EQ(boom.body.find("secret detail"), std::string::npos);  // logged, not told to the client

  const auto text = c.get("/text");
  EXPECT_EQ(text.body, "hello");
  EXPECT_EQ(text.header("content-type"), "text/plain; charset=utf-8");
  EXPECT_EQ(text.header("x-extra"), "1");
  EXPECT_EQ(c.get("/livez").status, 200);  // the same connection survived every error above
}

TEST(Routes, OptionalComponentsArriveAsNullWhileNotUsable) {
  auto g = std::make_shared<gate>();
  served s;
  s.svc.add<gated>("cache", g).background();
  http::router routes;
  routes.get("/maybe", [](http::request& req) {
    return http::response::json({{"cached", req.optional<gated>("cache") != nullptr}});
  }).optional<gated>("cache");
  s.add_server(std::move(routes));
  s.start();
  EXPECT_EQ(fetch(s.port, "/maybe").json()["cached"], false);
  g->open();
  ASSERT_TRUE(s.h->wait_for_event(event_kind::component_up, "cache"));
  EXPECT_EQ(fetch(s.port, "/maybe").json()["cached"], true);
}

TEST(AddServer, AMisspelledComponentIsReportedBeforeAnythingRuns) {
  service svc{"t", quiet()};
  svc.add<failing>("database");
  http::router routes;
  routes.get("/x", [](http::request&) { return http::response{}; }).needs("databse");
  http::add_server(svc, std::move(routes));
  const auto problems = svc.check();
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("databse"), std::string::npos) << problems[0];
  EXPECT_NE(problems[0].find("database"), std::string::npos) << problems[0];
}

TEST(AddServer, RefusesARouteThatShadowsABuiltInEndpoint) {
  service svc{"t", quiet()};
  http::router routes;
  routes.get("/health/{what}", [](http::request&) { return http::response{}; });
  EXPECT_THROW(http::add_server(svc, std::move(routes)), std::invalid_argument);
}

TEST(AddServer, ReadsItsSectionAndWritesTheBoundAddressToAFile) {
  const auto file = std::filesystem::temp_directory_path() / ("lifespan-http-" + std::to_string(::getpid()) + ".address");
  std::filesystem::remove(file);
  service svc{"t", quiet({"http.address=127.0.0.1", "http.port=0", "http.threads=1", "http.address_file=" + file.string(),
                          "shutdown.readiness_delay=0s"})};
  http::router routes;
  routes.get("/hello", [](http::request&) { return http::response::text("hi"); });
  http::add_server(svc, std::move(routes));
  testing::harness h{svc};
  h.start();
  ASSERT_TRUE(h.wait_for_event(event_kind::component_up, "http"));
  std::string address;
  std::ifstream(file) >> address;
  ASSERT_EQ(address.rfind("127.0.0.1:", 0), 0u) << address;
  const auto port = static_cast<std::uint16_t>(std::stoi(address.substr(10)));
  EXPECT_NE(port, 0);
  EXPECT_EQ(fetch(port, "/hello").body, "hi");
  EXPECT_EQ(h.stop(), exit_ok);
  EXPECT_FALSE(std::filesystem::exists(file));  // valid only while the server runs
}

TEST(AddServer, InvalidSettingsAreConfigurationErrors) {
  service svc{"t", quiet({"http.port=70000", "http.address=localhost", "http.stall_threshold=10ms", "http.treads=2"})};
  http::add_server(svc, {});
  const auto problems = svc.check();
  std::string all;
  for (const auto& p : problems) all += p + "\n";
  EXPECT_NE(all.find("http.port"), std::string::npos) << all;
  EXPECT_NE(all.find("http.address"), std::string::npos) << all;
  EXPECT_NE(all.find("http.stall_threshold"), std::string::npos) << all;
  EXPECT_NE(all.find("did you mean 'threads'"), std::string::npos) << all;
}

}  // namespace
}  // namespace lifespan::test
