// GET /api/stats (counts by severity, category and client over a window, computed by the database,
// on SQLite and PostgreSQL; bad parameters named) and GET /api/status/stream (the service state and
// the pipeline's counters and rates, pushed every second).
#include <gtest/gtest.h>

#include <ctime>
#include <set>

#include "http/client.hpp"
#include "lifespan/data/test_server.hpp"
#include "lifespan/http/server.hpp"
#include "service_fixture.hpp"

namespace vigil::test {
namespace {

// 2026-11-28T12:00:00Z, the minute log_line() writes into (second i % 60).
std::int64_t noon() {
  std::tm t{};
  t.tm_year = 2026 - 1900;
  t.tm_mon = 10;
  t.tm_mday = 28;
  t.tm_hour = 12;
  return static_cast<std::int64_t>(::timegm(&t));
}

// 100 lines with an XSS every 4th (25 alerts, one per client, second i % 60), then three more XSS
// from 192.0.2.7 at seconds 20, 21 and 22: 28 alerts, all high.
std::string traffic() {
  std::string out = log_lines(0, 100, 4);
  for (int i = 200; i < 203; ++i) {
    auto line = log_line(i, 1);
    line.replace(0, line.find(' '), "192.0.2.7");
    const auto second = line.find("12:00:");
    line.replace(second + 6, 2, fmt::format("{:02}", 20 + i - 200));
    out += line;
  }
  return out;
}

void expect_counts(service::alert_store& store) {
  const auto all = store.stats(noon(), noon() + 60, 3);
  EXPECT_EQ(all.total, 28);
  EXPECT_EQ(all.by_severity[static_cast<int>(severity::high)], 28);
  EXPECT_EQ(all.by_severity[static_cast<int>(severity::critical)], 0);
  ASSERT_EQ(all.by_category.size(), 1u);
  EXPECT_EQ(all.by_category[0], (std::pair<std::string, std::int64_t>{"xss", 28}));
  ASSERT_EQ(all.top_clients.size(), 3u);
  EXPECT_EQ(all.top_clients[0], (std::pair<std::string, std::int64_t>{"192.0.2.7", 3}));
  EXPECT_EQ(all.top_clients[1].second, 1);
  // Seconds [0, 30): lines 0..29 and 60..89 hold 8 + 8 attacks, plus 192.0.2.7's three.
  EXPECT_EQ(store.stats(noon(), noon() + 30, 10).total, 19);
  EXPECT_EQ(store.stats(noon() + 60, noon() + 3600, 10).total, 0);
}

struct grab_port : lifespan::component {
  explicit grab_port(std::shared_ptr<std::atomic<int>> port) : port_(std::move(port)) {}
  void start(lifespan::context& ctx) override { port_->store(ctx.get<lifespan::http::server>().port()); }
  std::shared_ptr<std::atomic<int>> port_;
};

struct served_vigil {
  explicit served_vigil(std::vector<std::string> extra = {})
      : s(dir, {(dir / "access.log").string()}, std::move(extra), [this](lifespan::service& svc) {
          svc.add<grab_port>("grab_port", port).depends_on<lifespan::http::server>();
        }) {
    if (s.up) s.up = s.h->wait_for_event(lifespan::event_kind::component_up, "grab_port", 60s);
  }
  lifespan::test::reply get(const std::string& target) {
    lifespan::test::client c(static_cast<std::uint16_t>(port->load()));
    return c.get(target);
  }
  temp_dir dir;
  std::shared_ptr<std::atomic<int>> port = std::make_shared<std::atomic<int>>(0);
  service_under_test s;
};

TEST(vigil_stats, the_store_counts_by_severity_category_and_client_over_a_window_on_sqlite) {
  served_vigil v;
  ASSERT_TRUE(v.s.up);
  append(v.dir / "access.log", traffic());
  ASSERT_TRUE(v.s.wait_stored(103));
  expect_counts(v.s.alerts());
}

TEST(vigil_stats, the_store_counts_the_same_on_postgresql) {
  if (!std::filesystem::exists("/usr/lib/postgresql/15/bin/initdb")) GTEST_SKIP() << "PostgreSQL 15 is not installed";
  lifespan::data::test_server pg;
  pg.start();
  temp_dir dir;
  const auto log = dir / "access.log";
  append(log, traffic());
  service_under_test s(dir, {log.string()}, {"db.url=" + pg.fresh_database()});
  ASSERT_TRUE(s.up);
  ASSERT_TRUE(s.wait_stored(103));
  expect_counts(s.alerts());
  EXPECT_EQ(s.h->stop(), 0);
}

TEST(vigil_stats, api_stats_answers_with_counts_and_rates_and_names_a_bad_parameter) {
  served_vigil v;
  ASSERT_TRUE(v.s.up);
  append(v.dir / "access.log", traffic());
  ASSERT_TRUE(v.s.wait_stored(103));

  const auto r = v.get("/api/stats?window=1m&top=2&until=" + std::to_string(noon() + 60));
  ASSERT_EQ(r.status, 200) << r.body;
  const auto j = r.json();
  EXPECT_EQ(j["window"], "1m");
  EXPECT_EQ(j["window_seconds"], 60);
  EXPECT_EQ(j["since"], noon());
  EXPECT_EQ(j["total"], 28);
  EXPECT_EQ(j["by_severity"], (nlohmann::json{{"low", 0}, {"medium", 0}, {"high", 28}, {"critical", 0}}));
  EXPECT_EQ(j["by_category"], (nlohmann::json::array({{{"category", "xss"}, {"alerts", 28}}})));
  ASSERT_EQ(j["top_clients"].size(), 2u);
  EXPECT_EQ(j["top_clients"][0], (nlohmann::json{{"client", "192.0.2.7"}, {"alerts", 3}}));
  EXPECT_DOUBLE_EQ(j["rates"]["alerts_per_second"].get<double>(), 28.0 / 60.0);
  EXPECT_EQ(v.get("/api/stats?window=2d&until=" + std::to_string(noon() + 60)).json()["total"], 28);

  const auto defaults = v.get("/api/stats");
  ASSERT_EQ(defaults.status, 200) << defaults.body;
  EXPECT_EQ(defaults.json()["window"], "24h");
  EXPECT_EQ(defaults.json()["window_seconds"], 86400);

  for (const auto& [query, name] : std::vector<std::pair<std::string, std::string>>{
           {"window=forever", "window"}, {"window=0s", "window"}, {"window=367d", "window"}, {"window=", "window"},
           {"window=1xd", "window"}, {"top=0", "top"}, {"top=ten", "top"}, {"until=soon", "until"}}) {
    const auto bad = v.get("/api/stats?" + query);
    EXPECT_EQ(bad.status, 400) << query;
    EXPECT_NE(bad.json()["reason"].get<std::string>().find("'" + name + "'"), std::string::npos) << bad.body;
  }
}

// The data of the next `status` event received after `from` in the client's buffer.
std::optional<nlohmann::json> next_status(lifespan::test::client& c, std::size_t& from) {
  for (const auto until = std::chrono::steady_clock::now() + 30s; std::chrono::steady_clock::now() < until;) {
    const auto& text = c.received();
    const auto event = text.find("event: status\ndata: ", from);
    const auto end = event == std::string::npos ? std::string::npos : text.find("\n\n", event);
    if (end != std::string::npos) {
      from = end;
      const auto begin = event + std::string_view("event: status\ndata: ").size();
      return nlohmann::json::parse(text.substr(begin, end - begin));
    }
    c.receive_until("\x01", 500ms);  // never sent: reads whatever comes for half a second
  }
  return std::nullopt;
}

TEST(vigil_status_stream, pushes_the_components_the_counters_and_the_rates_every_second) {
  served_vigil v;
  ASSERT_TRUE(v.s.up);
  lifespan::test::client c(static_cast<std::uint16_t>(v.port->load()));
  c.send("GET /api/status/stream HTTP/1.1\r\nHost: t\r\n\r\n");
  ASSERT_TRUE(c.receive_until("\r\n\r\n", 30s));
  ASSERT_NE(c.received().find("HTTP/1.1 200"), std::string::npos) << c.received();
  std::size_t at = 0;
  const auto first = next_status(c, at);
  ASSERT_TRUE(first) << c.received();
  std::set<std::string> names;
  for (const auto& comp : (*first)["service"]["components"]) names.insert(comp["name"].get<std::string>());
  for (const char* name : {"db", "alerts", "pipeline", "tailer", "http", "auth", "status_feed"})
    EXPECT_TRUE(names.count(name)) << name << " missing from " << (*first)["service"].dump();
  EXPECT_EQ((*first)["status"]["mode"], "rules");

  append(v.dir / "access.log", log_lines(0, 400, 4));
  ASSERT_TRUE(v.s.wait_stored(400));
  // Events keep coming: one of them shows the lines and a positive rate.
  bool seen = false;
  for (int i = 0; i < 30 && !seen; ++i) {
    const auto e = next_status(c, at);
    ASSERT_TRUE(e) << "the stream stopped";
    seen = (*e)["status"]["pipeline"]["lines_read"].get<std::uint64_t>() >= 400 &&
           (*e)["rates"]["lines_per_second"].get<double>() > 0 && (*e)["rates"]["alerts_per_second"].get<double>() > 0;
  }
  EXPECT_TRUE(seen) << "no event carried the new lines and rates";
  const auto now = v.get("/api/stats").json()["rates"]["now"];
  ASSERT_TRUE(now.is_object()) << now.dump();
  EXPECT_GT(now["seconds"].get<double>(), 0);
}

}  // namespace
}  // namespace vigil::test
