// The service's own routes through the real HTTP server: /api/alerts (filters, cursor, bad input) and
// /api/status (mode, counters, files).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <nlohmann/json.hpp>
#include <soci/soci.h>

#include "lifespan/http/server.hpp"
#include "service_fixture.hpp"

namespace vigil::test {
namespace {

struct grab_server : lifespan::component {
  explicit grab_server(std::shared_ptr<std::atomic<int>> port) : port_(std::move(port)) {}
  void start(lifespan::context& ctx) override { port_->store(ctx.get<lifespan::http::server>().port()); }
  std::shared_ptr<std::atomic<int>> port_;
};

// One GET on its own connection: {status, body}.
std::pair<int, std::string> get(int port, const std::string& target) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return {0, ""};
  }
  const std::string request = "GET " + target + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
  (void)!::write(fd, request.data(), request.size());
  std::string response;
  char buffer[4096];
  for (ssize_t n; (n = ::read(fd, buffer, sizeof buffer)) > 0;) response.append(buffer, static_cast<std::size_t>(n));
  ::close(fd);
  const auto body = response.find("\r\n\r\n");
  if (response.size() < 12 || body == std::string::npos) return {0, response};
  return {std::atoi(response.substr(9, 3).c_str()), response.substr(body + 4)};
}

TEST(vigil_serve_http, alerts_and_status_routes_answer_from_the_store_and_the_pipeline) {
  temp_dir dir;
  const auto log = dir / "access.log";
  auto port = std::make_shared<std::atomic<int>>(0);
  service_under_test s(dir, {log.string()}, {}, [&](lifespan::service& svc) {
    svc.add<grab_server>("grab_server", port).depends_on<lifespan::http::server>();
  });
  ASSERT_TRUE(s.up);
  ASSERT_GT(port->load(), 0);
  append(log, log_lines(0, 100, 4));
  ASSERT_TRUE(s.wait_stored(100));

  auto [code, body] = get(*port, "/api/alerts?limit=10&severity=high");
  ASSERT_EQ(code, 200) << body;
  auto page = nlohmann::json::parse(body);
  ASSERT_EQ(page["alerts"].size(), 10u);
  EXPECT_EQ(page["alerts"][0]["rules"][0], "xss-script-tag");
  EXPECT_EQ(page["alerts"][0]["mode"], "rules");
  ASSERT_TRUE(page["next_cursor"].is_number());
  std::size_t total = page["alerts"].size();
  while (page["next_cursor"].is_number()) {
    std::tie(code, body) = get(*port, "/api/alerts?limit=10&cursor=" + std::to_string(page["next_cursor"].get<long long>()));
    ASSERT_EQ(code, 200) << body;
    page = nlohmann::json::parse(body);
    total += page["alerts"].size();
  }
  EXPECT_EQ(total, 25u);
  std::tie(code, body) = get(*port, "/api/alerts?client=10.0.0.8");
  EXPECT_EQ(nlohmann::json::parse(body)["alerts"].size(), 1u);
  std::tie(code, body) = get(*port, "/api/alerts?category=sqli");
  EXPECT_EQ(nlohmann::json::parse(body)["alerts"].size(), 0u);

  std::tie(code, body) = get(*port, "/api/alerts?limit=ten");
  EXPECT_EQ(code, 400);
  EXPECT_NE(body.find("limit"), std::string::npos) << body;
  std::tie(code, body) = get(*port, "/api/alerts?severity=urgent");
  EXPECT_EQ(code, 400);
  EXPECT_NE(body.find("critical"), std::string::npos) << body;

  // Bytes that are not UTF-8 (JSON log formats pass them through) are stored escaped; the API still answers.
  append(log, std::string("10.9.9.9 - - [28/Nov/2026:12:00:00 +0000] \"GET /a\xc3\x28?q=<script>x \xff HTTP/1.1\" 200 1 "
                          "\"-\" \"ua\x01\xe2\x82\xac\"\n"));
  ASSERT_TRUE(s.wait_stored(101));
  std::tie(code, body) = get(*port, "/api/alerts?client=10.9.9.9");
  ASSERT_EQ(code, 200) << body;
  const auto odd = nlohmann::json::parse(body);
  ASSERT_EQ(odd["alerts"].size(), 1u);
  EXPECT_EQ(odd["alerts"][0]["path"], "/a\\xc3(?q=<script>x \\xff");
  EXPECT_EQ(odd["alerts"][0]["user_agent"], "ua\\x01\u20ac");

  std::tie(code, body) = get(*port, "/api/status");
  ASSERT_EQ(code, 200) << body;
  const auto status = nlohmann::json::parse(body);
  EXPECT_EQ(status["mode"], "rules");
  EXPECT_EQ(status["pipeline"]["lines_stored"], 101);
  EXPECT_EQ(status["pipeline"]["alerts_stored"], 26);
  EXPECT_EQ(status["files"][0]["path"], log.string());
  EXPECT_TRUE(status["files"][0]["exists"].get<bool>());
  EXPECT_EQ(status["rules"]["count"], s.rules().engine().current()->rules().size());
  EXPECT_EQ(s.h->stop(), 0);
}

// Filters are names, not LIKE patterns; an id at the top of the 64-bit range is looked up as it is.
TEST(vigil_serve_http, filters_are_exact_and_the_largest_alert_id_is_found) {
  temp_dir dir;
  auto port = std::make_shared<std::atomic<int>>(0);
  service_under_test s(dir, {(dir / "access.log").string()}, {}, [&](lifespan::service& svc) {
    svc.add<grab_server>("grab_server", port).depends_on<lifespan::http::server>();
  });
  ASSERT_TRUE(s.up);
  ASSERT_EQ(s.alerts().write({make_alert(1, "10.0.0.1", severity::high, {"sqli"})}), 1u);
  {
    auto w = s.alerts().database().writer();  // the last id AUTOINCREMENT can hand out
    *w << "INSERT INTO vigil_alerts (seq, alert_key, at, client, country, method, path, status, user_agent,"
          " rule_ids, categories, severity, mode, kind, file, line_offset, stored_at) VALUES (9223372036854775807,"
          " 'top', 1700000000, '10.0.0.2', '', 'GET', '/top', 200, 'ua', 'r9', ',xss,', 3, 'rules', 'rule', 'f', 0, 0)";
  }
  auto [code, body] = get(*port, "/api/alerts/9223372036854775807");
  ASSERT_EQ(code, 200) << body;
  EXPECT_EQ(nlohmann::json::parse(body)["client"], "10.0.0.2");
  std::tie(code, body) = get(*port, "/api/alerts/9223372036854775806");
  EXPECT_EQ(code, 404) << body;
  std::tie(code, body) = get(*port, "/api/alerts/9223372036854775808");
  EXPECT_EQ(code, 400) << body;

  for (const auto* pattern : {"%25", "s_li", "SQLI", "%25sql%25"}) {
    std::tie(code, body) = get(*port, std::string("/api/alerts?category=") + pattern);
    ASSERT_EQ(code, 200) << body;
    EXPECT_EQ(nlohmann::json::parse(body)["alerts"].size(), 0u) << pattern;
  }
  std::tie(code, body) = get(*port, "/api/alerts?category=sqli");
  EXPECT_EQ(nlohmann::json::parse(body)["alerts"].size(), 1u) << body;
  std::tie(code, body) = get(*port, "/api/alerts?rule=%25");
  EXPECT_EQ(nlohmann::json::parse(body)["alerts"].size(), 0u) << body;
  EXPECT_EQ(s.h->stop(), 0);
}

}  // namespace
}  // namespace vigil::test
