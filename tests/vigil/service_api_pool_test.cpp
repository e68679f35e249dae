// vigil's API handlers run on the HTTP server's handler threads, not on its single I/O thread: while
// a flood of /api/alerts requests waits on the database, /readyz is still answered, and fast.
#include <algorithm>
#include <iostream>

#include "http/fixture.hpp"
#include "lifespan/data/database.hpp"
#include "lifespan/http/server.hpp"
#include "service_fixture.hpp"

namespace vigil::test {
namespace {

// Hands the test the database and the server's port.
struct grab_database : lifespan::component {
  struct found {
    std::atomic<lifespan::data::database*> db{nullptr};
    std::atomic<int> port{0};
  };
  explicit grab_database(std::shared_ptr<found> out) : out_(std::move(out)) {}
  void start(lifespan::context& ctx) override {
    out_->db = &ctx.get<lifespan::data::database>();
    out_->port = ctx.get<lifespan::http::server>().port();
  }
  void stop(lifespan::time_point) override { out_->db = nullptr; }
  std::shared_ptr<found> out_;
};

TEST(vigil_serve_http, readyz_answers_fast_while_slow_alert_queries_hold_handler_threads) {
  temp_dir dir;
  const auto log = dir / "access.log";
  auto found = std::make_shared<grab_database::found>();
  // Two read connections, and a lease wait long enough that a query waits for the test, not the clock.
  service_under_test s(dir, {log.string()}, {"db.pool_size=2", "db.lease_timeout=30s"}, [&](lifespan::service& svc) {
    svc.add<grab_database>("grab_database", found).depends_on<lifespan::data::database>().depends_on<lifespan::http::server>();
  });
  ASSERT_TRUE(s.up);
  ASSERT_TRUE(eventually([&] { return found->port.load() > 0; }));
  const auto port = static_cast<std::uint16_t>(found->port.load());
  append(log, log_lines(0, 40, 4));
  ASSERT_TRUE(s.wait_stored(40));

  // Every read connection held by the test: each /api/alerts query waits for one on its handler thread.
  auto held = std::make_unique<std::vector<lifespan::data::session_lease>>();
  held->push_back(found->db.load()->reader());
  held->push_back(found->db.load()->reader());
  constexpr int flood = 16;
  std::vector<std::unique_ptr<lifespan::test::client>> slow;
  for (int i = 0; i < flood; ++i) {
    slow.push_back(std::make_unique<lifespan::test::client>(port));
    slow.back()->send("GET /api/alerts?limit=1000 HTTP/1.1\r\nHost: t\r\n\r\n");
  }
  ASSERT_TRUE(eventually([&] {
    const auto busy = lifespan::test::metric_sample(lifespan::test::fetch(port, "/metrics").body, "lifespan_http_handler_threads_busy");
    return busy && *busy >= flood;
  })) << "the alert queries did not all reach a handler thread";

  lifespan::test::client prober(port);
  std::vector<std::chrono::nanoseconds> took;
  for (int i = 0; i < 200; ++i) {
    const auto began = std::chrono::steady_clock::now();
    const auto r = prober.get("/readyz");
    took.push_back(std::chrono::steady_clock::now() - began);
    ASSERT_EQ(r.status, 200) << r.body;
  }
  std::sort(took.begin(), took.end());
  const auto p99 = took[took.size() * 99 / 100];
  std::cout << "/readyz with " << flood << " alert queries waiting: p50 " << took[took.size() / 2].count() / 1000
            << " us, p99 " << p99.count() / 1000 << " us\n";
  EXPECT_LE(p99, lifespan::test::probe_p99_bound);
  for (auto& c : slow) EXPECT_FALSE(c->read(0ms).has_value()) << "a query finished while the database was held";

  held.reset();  // the queries get their connections and answer
  for (auto& c : slow) {
    const auto r = c->read(20s);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->status, 200) << r->body;
    EXPECT_EQ(r->json()["alerts"].size(), 10u);
  }
}

}  // namespace
}  // namespace vigil::test
