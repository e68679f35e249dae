// The telemetry store against the real PostgreSQL server: payload fidelity and an outage mid-stream.
#include <gtest/gtest.h>

#include "pg.hpp"
#include "telemetry_fixture.hpp"

namespace lifespan::test {
namespace {

using data::ack;

TEST(data_telemetry_postgresql, awkward_payloads_arrive_intact_or_sanitised) {
  const std::string url = pg().fresh_database();
  {
    telemetry_service s(db_options(url), telemetry_options(temp_dir().path() / "unused"));
    ASSERT_NE(s.store(), nullptr) << s.failure();
    EXPECT_EQ(s.store()->record({"q", R"({"a":"quote \" and backslash \\ , {braces}"})", 1}), ack::accepted);
    EXPECT_EQ(s.store()->record({"u", "héllo ✓ 😀", 2}), ack::accepted);
    EXPECT_EQ(s.store()->record({"bad", std::string("nul\0x\xff", 6), 3}), ack::accepted);
    EXPECT_EQ(s.store()->record({"", "", 4}), ack::accepted);
    EXPECT_EQ(s.h.stop(), 0);
  }
  db_service s(db_options(url));
  ASSERT_NE(s.db(), nullptr);
  std::string a, b, c;
  *s.db()->reader() << "SELECT payload FROM telemetry_events WHERE at_us = 1", soci::into(a);
  *s.db()->reader() << "SELECT payload FROM telemetry_events WHERE at_us = 2", soci::into(b);
  *s.db()->reader() << "SELECT payload FROM telemetry_events WHERE at_us = 3", soci::into(c);
  EXPECT_EQ(a, R"({"a":"quote \" and backslash \\ , {braces}"})");
  EXPECT_EQ(b, "héllo ✓ 😀");
  EXPECT_EQ(c, "nul?x?");
  EXPECT_EQ(count_events(url).rows, 4);
}

TEST(data_telemetry_postgresql, an_outage_mid_stream_loses_nothing_acknowledged_and_duplicates_nothing) {
  const std::string url = pg().fresh_database();
  temp_dir dir;
  auto t = telemetry_options(dir / "spool");
  t.batch_max = 500;
  t.block_timeout = 30s;  // a stalled writer must not turn into rejected events here
  std::vector<std::string> acked;
  {
    telemetry_service s(db_options(url), t);
    ASSERT_NE(s.store(), nullptr) << s.failure();
    auto* store = s.store();
    std::atomic<bool> done{false};
    std::thread producer([&] {
      for (int i = 0; !done.load(); ++i) {
        if (store->record({"x", std::to_string(i)}) == ack::accepted) acked.push_back(std::to_string(i));
        if (i % 64 == 0) std::this_thread::sleep_for(100us);
      }
    });
    struct stop_producer {
      std::atomic<bool>& done;
      std::thread& thread;
      ~stop_producer() {
        done = true;
        if (thread.joinable()) thread.join();
      }
    } guard{done, producer};
    ASSERT_TRUE(eventually([&] { return store->metrics().written > 2000; }));
    pg_unstarted().stop();
    ASSERT_TRUE(eventually([&] { return store->metrics().database_down && store->metrics().spooled > 2000; }));
    EXPECT_TRUE(s.h.wait_for_event(event_kind::component_degraded, "telemetry"));
    pg().start();
    ASSERT_TRUE(eventually([&] { return !store->metrics().database_down && store->metrics().replayed > 2000; }, 60s))
        << store->last_error();
    done = true;
    producer.join();
    const auto m = store->metrics();  // the instance is destroyed by the stop
    EXPECT_EQ(m.dropped + m.rejected + m.failed, 0u);
    EXPECT_EQ(s.h.stop(), 0) << dump(s.h);
  }
  EXPECT_EQ(count_present(url, acked), static_cast<long long>(acked.size()));
  const auto c = count_events(url);
  EXPECT_EQ(c.rows, static_cast<long long>(acked.size()));
  EXPECT_EQ(c.distinct_payloads, c.rows);
  EXPECT_TRUE(data::spool_files(dir / "spool").empty());
}

}  // namespace
}  // namespace lifespan::test
