// The alert store on a real SQLite file: idempotent batched writes and the query API.
#include <soci/soci.h>

#include "service_fixture.hpp"

namespace vigil::test {
namespace {

service::alert make_alert(int i, std::string client, severity level, std::vector<std::string> categories) {
  service::alert a;
  a.key = fmt::format("1:2:0:00ff:{}:rule", i * 100);
  a.time = 1'700'000'000 + i;
  a.client = std::move(client);
  a.method = "GET";
  a.path = fmt::format("/x?{}", i);
  a.status = 200;
  a.user_agent = "curl/8";
  a.rule_ids = {"r" + std::to_string(i)};
  a.categories = std::move(categories);
  a.level = level;
  a.mode = "rules";
  a.kind = "rule";
  a.file = "/var/log/access.log";
  a.offset = static_cast<std::uint64_t>(i) * 100;
  return a;
}

TEST(vigil_serve_store, replayed_alerts_are_stored_once_and_the_extra_work_shares_the_transaction) {
  temp_dir dir;
  service_under_test s(dir, {(dir / "access.log").string()});
  ASSERT_TRUE(s.up);
  std::vector<service::alert> batch;
  for (int i = 0; i < 10; ++i) batch.push_back(make_alert(i, "10.0.0.1", severity::high, {"sqli"}));
  EXPECT_EQ(s.alerts().write(batch), 10u);
  EXPECT_EQ(s.alerts().write(batch), 0u);  // a replay adds nothing
  EXPECT_EQ(s.alerts().count(), 10);
  // A failure inside the transaction rolls the alerts back too.
  batch.push_back(make_alert(10, "10.0.0.1", severity::high, {"sqli"}));
  EXPECT_THROW(s.alerts().write(batch, [](soci::session& session) { session << "INSERT INTO no_such_table VALUES (1)"; }),
               std::exception);
  EXPECT_EQ(s.alerts().count(), 10);
  EXPECT_EQ(s.h->stop(), 0);
}

TEST(vigil_serve_store, queries_filter_and_paginate_newest_first) {
  temp_dir dir;
  service_under_test s(dir, {(dir / "access.log").string()});
  ASSERT_TRUE(s.up);
  std::vector<service::alert> batch;
  for (int i = 0; i < 25; ++i)
    batch.push_back(make_alert(i, i % 2 ? "10.0.0.1" : "10.0.0.2", i % 5 == 0 ? severity::critical : severity::low,
                               i % 3 == 0 ? std::vector<std::string>{"xss", "sqli"} : std::vector<std::string>{"traversal"}));
  ASSERT_EQ(s.alerts().write(batch), 25u);

  service::alert_query all;
  all.limit = 10;
  std::vector<std::int64_t> times;
  std::optional<std::int64_t> cursor;
  int pages = 0;
  do {
    all.before = cursor;
    const auto page = s.alerts().query(all);
    for (const auto& a : page.alerts) times.push_back(a.time);
    cursor = page.next_cursor;
    ++pages;
  } while (cursor);
  EXPECT_EQ(pages, 3);
  ASSERT_EQ(times.size(), 25u);
  EXPECT_TRUE(std::is_sorted(times.rbegin(), times.rend()));
  EXPECT_EQ(times.front(), 1'700'000'024);

  service::alert_query q;
  q.client = "10.0.0.1";
  EXPECT_EQ(s.alerts().query(q).alerts.size(), 12u);
  q = {};
  q.category = "sqli";
  EXPECT_EQ(s.alerts().query(q).alerts.size(), 9u);  // i % 3 == 0
  q.category = "sql";  // whole categories only
  EXPECT_EQ(s.alerts().query(q).alerts.size(), 0u);
  q = {};
  q.min_severity = severity::critical;
  EXPECT_EQ(s.alerts().query(q).alerts.size(), 5u);
  q = {};
  q.since = 1'700'000'010;
  q.until = 1'700'000'020;
  const auto window = s.alerts().query(q);
  ASSERT_EQ(window.alerts.size(), 10u);
  EXPECT_EQ(window.alerts.back().time, 1'700'000'010);
  EXPECT_EQ(window.alerts.front().categories, (std::vector<std::string>{"traversal"}));
  EXPECT_EQ(window.alerts.front().rule_ids, std::vector<std::string>{"r19"});
  EXPECT_FALSE(window.alerts.front().model_score.has_value());
  EXPECT_EQ(s.h->stop(), 0);
}

}  // namespace
}  // namespace vigil::test
