// The alert store on a real SQLite file: idempotent batched writes and the query API; category and
// rule filters match whole names exactly, on SQLite and PostgreSQL alike.
#include <soci/soci.h>

#include "lifespan/data/test_server.hpp"
#include "service_fixture.hpp"

namespace vigil::test {
namespace {

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

// How many alerts match one category or rule filter.
std::size_t matching(service::alert_store& store, std::optional<std::string> category, std::optional<std::string> rule = {}) {
  service::alert_query q;
  q.category = std::move(category);
  q.rule = std::move(rule);
  return store.query(q).alerts.size();
}

// LIKE's wildcards, case folding and the stored list's commas are no way around an exact name.
void expect_whole_names_only(service::alert_store& store) {
  ASSERT_EQ(store.write({make_alert(0, "10.0.0.1", severity::high, {"sqli"}),
                         make_alert(1, "10.0.0.1", severity::high, {"xss", "sqli"}),
                         make_alert(2, "10.0.0.1", severity::high, {"traversal"}),
                         make_alert(3, "10.0.0.1", severity::high, {})}),
            4u);
  EXPECT_EQ(matching(store, "sqli"), 2u);
  EXPECT_EQ(matching(store, "xss"), 1u);
  EXPECT_EQ(matching(store, "%"), 0u);
  EXPECT_EQ(matching(store, "s_li"), 0u);
  EXPECT_EQ(matching(store, "sq%"), 0u);
  EXPECT_EQ(matching(store, "SQLI"), 0u);      // SQLite's LIKE ignores case; names are exact
  EXPECT_EQ(matching(store, "xss,sqli"), 0u);  // two names side by side in the stored list
  EXPECT_EQ(matching(store, ""), 0u);          // the alert without categories is stored as ",,"
  EXPECT_EQ(matching(store, {}, "r1"), 1u);
  EXPECT_EQ(matching(store, {}, "r_"), 0u);
  EXPECT_EQ(matching(store, {}, "%"), 0u);
  EXPECT_EQ(matching(store, {}, "R1"), 0u);
  EXPECT_EQ(matching(store, "sqli", "r1"), 1u);
}

TEST(vigil_serve_store, category_and_rule_filters_match_whole_names_not_patterns) {
  temp_dir dir;
  service_under_test s(dir, {(dir / "access.log").string()});
  ASSERT_TRUE(s.up);
  expect_whole_names_only(s.alerts());
  EXPECT_EQ(s.h->stop(), 0);
}

TEST(vigil_serve_store, category_and_rule_filters_match_whole_names_on_postgresql) {
  if (!std::filesystem::exists("/usr/lib/postgresql/15/bin/initdb")) GTEST_SKIP() << "PostgreSQL 15 is not installed";
  lifespan::data::test_server pg;
  pg.start();
  temp_dir dir;
  service_under_test s(dir, {(dir / "access.log").string()}, {"db.url=" + pg.fresh_database()});
  ASSERT_TRUE(s.up);
  expect_whole_names_only(s.alerts());
  EXPECT_EQ(s.h->stop(), 0);
}

}  // namespace
}  // namespace vigil::test
