// /metrics, /debug/startup, /debug/startup.svg and /debug/graph through real sockets on a running service.
#include <gtest/gtest.h>

#include <chrono>
#include <regex>
#include <thread>

#include "fixture.hpp"

namespace lifespan::test {
namespace {

bool has_line(const std::string& text, const std::string& line) { return text.find("\n" + line + "\n") != std::string::npos; }

std::optional<double> sample(const std::string& text, const std::string& series) { return metric_sample(text, series); }

http::router fast_routes() {
  http::router routes;
  routes.get("/fast", [](http::request&) { return http::response::text("fast"); });
  routes.get("/items/{id}", [](http::request& req) { return http::response::text(req.param("id")); }).needs("db");
  return routes;
}

TEST(Metrics, CountRequestsByRouteAndStatusWithLatencyHistograms) {
  auto g = std::make_shared<gate>();
  served s;
  s.svc.add<gated>("db", g);
  s.add_server(fast_routes());
  s.start();
  client c(s.port);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(c.get("/fast").status, 200);
  EXPECT_EQ(c.get("/items/7").status, 503);  // db is still starting
  EXPECT_EQ(c.get("/nowhere").status, 404);
  EXPECT_EQ(c.request("POST", "/fast").status, 405);

  const auto m = c.get("/metrics");
  ASSERT_EQ(m.status, 200);
  EXPECT_EQ(m.header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  const auto& t = m.body;
  EXPECT_TRUE(has_line(t, R"(lifespan_http_requests_total{method="GET",route="/fast",status="200"} 3)")) << t;
  EXPECT_TRUE(has_line(t, R"(lifespan_http_requests_total{method="GET",route="/items/{id}",status="503"} 1)")) << t;
  EXPECT_TRUE(has_line(t, R"x(lifespan_http_requests_total{method="",route="(unmatched)",status="404"} 1)x")) << t;
  EXPECT_TRUE(has_line(t, R"x(lifespan_http_requests_total{method="",route="(unmatched)",status="405"} 1)x")) << t;
  EXPECT_TRUE(has_line(t, "# TYPE lifespan_http_request_duration_seconds histogram")) << t;
  EXPECT_TRUE(has_line(t, R"(lifespan_http_request_duration_seconds_count{method="GET",route="/fast"} 3)")) << t;
  EXPECT_TRUE(has_line(t, R"(lifespan_http_request_duration_seconds_bucket{method="GET",route="/fast",le="+Inf"} 3)")) << t;
  // The scrape itself is in flight while it is being answered, on the one open connection.
  EXPECT_EQ(sample(t, "lifespan_http_requests_in_flight"), 1.0) << t;
  EXPECT_EQ(sample(t, "lifespan_http_connections_open"), 1.0) << t;
  // The service's own families are in the same exposition.
  EXPECT_TRUE(has_line(t, R"(lifespan_component_state{component="db",state="starting"} 1)")) << t;
  EXPECT_TRUE(has_line(t, R"(lifespan_component_state{component="http",state="up"} 1)")) << t;
  EXPECT_TRUE(has_line(t, R"(lifespan_service_state{state="INITIALIZING"} 1)")) << t;

  // The scrape is counted once its response is written: the next scrape sees it.
  const auto again = c.get("/metrics").body;
  EXPECT_TRUE(has_line(again, R"(lifespan_http_requests_total{method="GET",route="/metrics",status="200"} 1)")) << again;
  g->open();
}

TEST(Metrics, ReadErrorsCountAsUnmatched) {
  served s;
  s.add_server({});
  s.start();
  {
    client bad(s.port);
    bad.send("NOT HTTP AT ALL\r\n\r\n");
    const auto r = bad.read();
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->status, 400);
  }
  // Counted when the server's write completes, which the client may see before the server does: await it.
  const std::string line = R"x(lifespan_http_requests_total{method="",route="(unmatched)",status="400"} 1)x";
  std::string t;
  for (const auto deadline = std::chrono::steady_clock::now() + 10s; std::chrono::steady_clock::now() < deadline;) {
    t = fetch(s.port, "/metrics").body;
    if (has_line(t, line)) break;
    std::this_thread::sleep_for(1ms);
  }
  EXPECT_TRUE(has_line(t, line)) << t;
}

TEST(DebugStartup, TimelineJsonNamesTheCriticalPath) {
  served s;
  s.svc.add<gated>("db", std::make_shared<gate>());
  s.add_server({});
  s.start();
  auto starting = fetch(s.port, "/debug/startup");
  ASSERT_EQ(starting.status, 200);
  EXPECT_EQ(starting.json()["state"], "INITIALIZING");
  EXPECT_TRUE(starting.json()["ready_ms"].is_null());
  EXPECT_EQ(starting.json()["service"], "t");
  s.h->stop();
}

TEST(DebugStartup, SvgIsAGanttChartWithOneBarPerComponent) {
  auto g = std::make_shared<gate>();
  served s;
  s.svc.add<gated>("db", g);
  s.svc.add<gated>("cache<&>", g).background().depends_on("db");  // a name that needs escaping, if it is allowed
  s.add_server({});
  try {
    s.start();
  } catch (const std::exception&) {
    GTEST_SKIP() << "component names with markup characters are rejected by validation";
  }
  g->open();
  ASSERT_TRUE(s.h->wait_for_state(service_state::running));
  const auto svg = fetch(s.port, "/debug/startup.svg");
  ASSERT_EQ(svg.status, 200);
  EXPECT_EQ(svg.header("content-type"), "image/svg+xml");
  EXPECT_EQ(svg.body.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u);
  EXPECT_NE(svg.body.find("</svg>"), std::string::npos);
  EXPECT_NE(svg.body.find("cache&lt;&amp;&gt;"), std::string::npos);
  EXPECT_EQ(svg.body.find("cache<&>"), std::string::npos);
}

TEST(DebugStartup, SvgMarksTheCriticalPathAndReadiness) {
  auto g = std::make_shared<gate>();
  auto early = std::make_shared<gate>();
  served s;
  s.svc.add<gated>("db", g);
  s.svc.add<gated>("index", g).depends_on("db");
  s.svc.add<gated>("warmer", early).background();
  s.add_server({});
  s.start();
  // The warmer comes up first, so that db -> index is what the last component waited on.
  early->open();
  ASSERT_TRUE(s.h->wait_for_event(event_kind::component_up, "warmer"));
  g->open();
  ASSERT_TRUE(s.h->wait_for_state(service_state::running));
  const auto body = fetch(s.port, "/debug/startup").json();
  ASSERT_FALSE(body["critical_path"].empty()) << body.dump();
  EXPECT_EQ(body["critical_path"].back(), "index") << body.dump();
  ASSERT_EQ(body["components"].size(), 4u);
  EXPECT_TRUE(body["ready_ms"].is_number());

  const auto svg = fetch(s.port, "/debug/startup.svg").body;
  // One bar (a rect with a tooltip) per started component, and one row label each.
  const std::regex bar("<rect [^>]*><title>");
  EXPECT_EQ(std::distance(std::sregex_iterator(svg.begin(), svg.end(), bar), std::sregex_iterator()), 4) << svg;
  for (const char* name : {"db", "index", "warmer", "http"}) EXPECT_NE(svg.find(std::string(">") + name + "</text>"), std::string::npos) << name;
  EXPECT_NE(svg.find("font-weight=\"bold\">index</text>"), std::string::npos) << svg;  // on the critical path
  EXPECT_EQ(svg.find("font-weight=\"bold\">warmer</text>"), std::string::npos) << svg;
  EXPECT_NE(svg.find(">ready</text>"), std::string::npos);
  EXPECT_NE(svg.find("#5bc0de"), std::string::npos);  // background colour for warmer
}

TEST(DebugGraph, AnswersDotOrJsonAndRejectsOtherFormats) {
  served s;
  s.svc.add<gated>("db", std::make_shared<gate>());
  s.add_server(fast_routes());
  s.start();
  const auto dot = fetch(s.port, "/debug/graph?format=dot");
  ASSERT_EQ(dot.status, 200);
  EXPECT_NE(dot.body.find("digraph"), std::string::npos) << dot.body;
  EXPECT_NE(dot.body.find("\"db\""), std::string::npos) << dot.body;
  const auto json = fetch(s.port, "/debug/graph?format=json");
  ASSERT_EQ(json.status, 200);
  EXPECT_NE(json.body.find("\"db\""), std::string::npos) << json.body;
  EXPECT_NO_THROW((void)json.json());
  EXPECT_EQ(fetch(s.port, "/debug/graph").status, 200);  // json by default
  const auto bad = fetch(s.port, "/debug/graph?format=xml");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.json()["reason"].get<std::string>().find("format=dot"), std::string::npos);
  s.h->stop();
}

TEST(Builtins, MetricsAndDebugPathsCannotBeShadowedByRoutes) {
  service svc("t", quiet());
  http::router routes;
  routes.get("/metrics", [](http::request&) { return http::response::text("mine"); });
  EXPECT_THROW(http::add_server(svc, std::move(routes)), std::invalid_argument);
}

}  // namespace
}  // namespace lifespan::test
