// vigil with auth.token (and without): every protected route class refuses a missing or wrong token
// with the same 401 and serves the right one; the SSE stream takes the token as ?access_token=;
// probes, /metrics, the dashboard's files and GET /models stay open; a probes token guards the probes.
#include <gtest/gtest.h>

#include <thread>

#include "http/client.hpp"
#include "lifespan/http/server.hpp"
#include "service_fixture.hpp"

namespace vigil::test {
namespace {

const std::string token = "vigil-test-token-0123456789";

struct grab_port : lifespan::component {
  explicit grab_port(std::shared_ptr<std::atomic<int>> port) : port_(std::move(port)) {}
  void start(lifespan::context& ctx) override { port_->store(ctx.get<lifespan::http::server>().port()); }
  std::shared_ptr<std::atomic<int>> port_;
};

struct vigil_with_auth {
  explicit vigil_with_auth(std::vector<std::string> extra)
      : s(dir, {(dir / "access.log").string()}, std::move(extra), [this](lifespan::service& svc) {
          svc.add<grab_port>("grab_port", port).depends_on<lifespan::http::server>();
        }) {
    if (s.up) s.up = s.h->wait_for_event(lifespan::event_kind::component_up, "grab_port", 60s);
  }
  lifespan::test::reply call(const std::string& method, const std::string& target, const std::string& headers = {}) {
    lifespan::test::client c(static_cast<std::uint16_t>(port->load()));
    return c.request(method, target, method == "GET" ? "" : "{}", headers);
  }
  // The status line and headers of a stream that stays open.
  std::string stream_head(const std::string& target, const std::string& headers = {}) {
    lifespan::test::client c(static_cast<std::uint16_t>(port->load()));
    c.send("GET " + target + " HTTP/1.1\r\nHost: t\r\n" + headers + "\r\n");
    c.receive_until("\r\n\r\n", std::chrono::seconds(20));
    return c.received();
  }
  temp_dir dir;
  std::shared_ptr<std::atomic<int>> port = std::make_shared<std::atomic<int>>(0);
  service_under_test s;
};

std::string bearer(const std::string& t) { return "Authorization: Bearer " + t + "\r\n"; }

TEST(vigil_auth, every_protected_route_class_refuses_missing_and_wrong_tokens_alike_and_serves_the_right_one) {
  vigil_with_auth v({"auth.token=" + token});
  ASSERT_TRUE(v.s.up);
  append(v.dir / "access.log", log_lines(0, 20, 4));
  ASSERT_TRUE(v.s.wait_stored(20));

  const std::vector<std::pair<std::string, std::string>> protected_routes = {
      {"GET", "/api/alerts"}, {"GET", "/api/alerts/1"}, {"GET", "/api/status"}, {"GET", "/api/stats"},
      {"POST", "/models/threat/load"}, {"POST", "/models/rescan"}};
  std::string refusal;
  for (const auto& [method, target] : protected_routes) {
    const auto missing = v.call(method, target);
    EXPECT_EQ(missing.status, 401) << method << " " << target;
    EXPECT_EQ(missing.header("www-authenticate"), "Bearer realm=\"vigil\"");
    const auto wrong = v.call(method, target, bearer("not-the-token"));
    EXPECT_EQ(wrong.status, 401) << method << " " << target;
    EXPECT_EQ(wrong.body, missing.body) << "missing and wrong read the same";
    if (refusal.empty()) refusal = missing.body;
    EXPECT_EQ(missing.body, refusal) << "every route refuses with the same body";
    const auto right = v.call(method, target, bearer(token));
    EXPECT_NE(right.status, 401) << method << " " << target << ": " << right.body;
  }
  EXPECT_EQ(nlohmann::json::parse(refusal),
            (nlohmann::json{{"error", "unauthorized"}, {"reason", "this endpoint requires a valid bearer token"}}));
  EXPECT_EQ(v.call("GET", "/api/alerts", bearer(token)).status, 200);
  EXPECT_EQ(v.call("GET", "/api/alerts?access_token=" + token).status, 401) << "the query token is for streams only";

  // The stream: no headers from EventSource, so ?access_token= is accepted there.
  EXPECT_NE(v.stream_head("/api/alerts/stream").find("HTTP/1.1 401"), std::string::npos);
  EXPECT_NE(v.stream_head("/api/alerts/stream?access_token=wrong").find("HTTP/1.1 401"), std::string::npos);
  const auto open = v.stream_head("/api/alerts/stream?access_token=" + token);
  EXPECT_NE(open.find("HTTP/1.1 200"), std::string::npos) << open;
  EXPECT_NE(open.find("text/event-stream"), std::string::npos) << open;
  EXPECT_NE(v.stream_head("/api/alerts/stream", bearer(token)).find("HTTP/1.1 200"), std::string::npos);
  EXPECT_NE(v.stream_head("/api/status/stream").find("HTTP/1.1 401"), std::string::npos);
  EXPECT_NE(v.stream_head("/api/status/stream?access_token=" + token).find("HTTP/1.1 200"), std::string::npos);

  // Open: probes, metrics, the dashboard's files, reading the models.
  for (const char* path : {"/livez", "/readyz", "/startupz", "/health/detailed", "/metrics", "/ui", "/ui/dashboard.js", "/models"})
    EXPECT_EQ(v.call("GET", path).status, 200) << path;
}

TEST(vigil_auth, a_probes_token_guards_probes_and_metrics_and_the_api_token_opens_them_too) {
  vigil_with_auth v({"auth.token=" + token, "auth.probes_token=probe-secret-42"});
  ASSERT_TRUE(v.s.up);
  // The last ready-gating component is up an instant before the service turns READY.
  for (const auto until = std::chrono::steady_clock::now() + 30s;
       v.call("GET", "/readyz", bearer(token)).status != 200 && std::chrono::steady_clock::now() < until;)
    std::this_thread::sleep_for(50ms);
  for (const char* path : {"/livez", "/readyz", "/metrics", "/health/detailed"}) {
    const auto missing = v.call("GET", path);
    EXPECT_EQ(missing.status, 401) << path;
    EXPECT_EQ(v.call("GET", path, bearer("wrong")).body, missing.body);
    EXPECT_EQ(v.call("GET", path, bearer("probe-secret-42")).status, 200) << path;
    EXPECT_EQ(v.call("GET", path, bearer(token)).status, 200) << path;
  }
  EXPECT_EQ(v.call("GET", "/api/status", bearer("probe-secret-42")).status, 401);
}

TEST(vigil_auth, without_a_token_the_api_is_open) {
  vigil_with_auth v({});
  ASSERT_TRUE(v.s.up);
  EXPECT_EQ(v.call("GET", "/api/status").status, 200);
  EXPECT_EQ(v.call("GET", "/livez").status, 200);
}

}  // namespace
}  // namespace vigil::test
