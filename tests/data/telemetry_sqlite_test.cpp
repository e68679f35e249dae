// The telemetry store over real SQLite: batching, full-queue policies, shutdown drain and spool replay.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <map>

#include "telemetry_fixture.hpp"

namespace lifespan::test {
namespace {

using data::ack;
using data::event;

TEST(data_telemetry_sqlite, events_from_two_threads_reach_the_database_exactly_once) {
  temp_dir dir;
  const std::string url = "sqlite://" + (dir / "t.db").string();
  {
    telemetry_service s(db_options(url), telemetry_options(dir / "spool"));
    ASSERT_NE(s.store(), nullptr) << s.failure();
    auto produce = [&](int who) {
      for (int i = 0; i < 20000; ++i)
        ASSERT_EQ(s.store()->record({"request", fmt::format("{}-{}", who, i)}), ack::accepted);
    };
    std::thread a(produce, 1), b(produce, 2);
    a.join();
    b.join();
    // Batches by time too: the last events are written without waiting for the shutdown.
    ASSERT_TRUE(eventually([&] { return s.store()->metrics().written == 40000; }));
    const auto m = s.store()->metrics();
    EXPECT_EQ(m.queued, 40000u);
    EXPECT_GT(m.batches, 0u);
    EXPECT_EQ(m.dropped + m.rejected + m.failed + m.spooled, 0u);
    EXPECT_EQ(s.h.stop(), 0);
  }
  const auto c = count_events(url);
  EXPECT_EQ(c.rows, 40000);
  EXPECT_EQ(c.distinct_payloads, 40000);
}

// Holding the only SQLite writer connection stalls the writer inside a batch, so the queue fills.
struct stalled {
  explicit stalled(data::full_policy policy, std::size_t capacity = 8,
                   std::chrono::milliseconds block_timeout = std::chrono::milliseconds(100)) {
    auto t = telemetry_options(dir / "spool");
    t.queue_capacity = capacity;
    t.batch_max = 4;
    t.when_full = policy;
    t.block_timeout = block_timeout;
    auto d = db_options(url);
    d.lease_timeout = 20s;
    service = std::make_unique<telemetry_service>(d, t);
  }
  temp_dir dir;
  std::string url = "sqlite://" + (dir / "t.db").string();
  std::unique_ptr<telemetry_service> service;
};

// Records `n` events numbered from `first`, keeping the payloads of the acknowledged ones.
std::vector<std::string> record_numbered(data::telemetry_store& store, int first, int n, std::map<ack, int>& acks) {
  std::vector<std::string> acked;
  for (int i = first; i < first + n; ++i) {
    const auto a = store.record({"x", std::to_string(i)});
    ++acks[a];
    if (a == ack::accepted) acked.push_back(std::to_string(i));
  }
  return acked;
}

TEST(data_telemetry_sqlite, full_queue_drop_policy_counts_every_drop) {
  stalled st(data::full_policy::drop);
  auto* store = st.service->store();
  ASSERT_NE(store, nullptr) << st.service->failure();
  std::map<ack, int> acks;
  std::vector<std::string> acked;
  {
    auto hold = st.service->db()->writer();
    acked = record_numbered(*store, 0, 200, acks);
  }
  EXPECT_GT(acks[ack::dropped], 0);
  EXPECT_EQ(acks[ack::accepted] + acks[ack::dropped], 200);
  EXPECT_EQ(store->metrics().dropped, static_cast<std::uint64_t>(acks[ack::dropped]));
  EXPECT_EQ(st.service->h.stop(), 0);
  EXPECT_EQ(count_present(st.url, acked), static_cast<long long>(acked.size()));
  EXPECT_EQ(count_events(st.url).rows, acks[ack::accepted]);
}

TEST(data_telemetry_sqlite, full_queue_block_policy_times_out_visibly) {
  stalled st(data::full_policy::block);
  auto* store = st.service->store();
  ASSERT_NE(store, nullptr) << st.service->failure();
  std::map<ack, int> acks;
  std::vector<std::string> acked;
  {
    auto hold = st.service->db()->writer();
    acked = record_numbered(*store, 0, 20, acks);
  }
  EXPECT_GT(acks[ack::timed_out], 0);
  EXPECT_EQ(acks[ack::accepted] + acks[ack::timed_out], 20);
  EXPECT_EQ(store->metrics().rejected, static_cast<std::uint64_t>(acks[ack::timed_out]));
  EXPECT_EQ(st.service->h.stop(), 0);
  EXPECT_EQ(count_present(st.url, acked), static_cast<long long>(acked.size()));
  EXPECT_EQ(count_events(st.url).rows, static_cast<long long>(acked.size()));

  // Blocking waits for room rather than failing: with the writer free, every event is accepted. (A
  // block timeout of its own: on a loaded 2-core machine one commit can outlast the 100 ms above.)
  stalled free_writer(data::full_policy::block, 8, std::chrono::seconds(10));
  auto* free_store = free_writer.service->store();
  ASSERT_NE(free_store, nullptr) << free_writer.service->failure();
  std::map<ack, int> free_acks;
  auto more = record_numbered(*free_store, 1000, 2000, free_acks);
  EXPECT_EQ(more.size(), 2000u);
  EXPECT_EQ(free_store->metrics().rejected, 0u);
  EXPECT_EQ(free_writer.service->h.stop(), 0);
  EXPECT_EQ(count_present(free_writer.url, more), static_cast<long long>(more.size()));
}

TEST(data_telemetry_sqlite, full_queue_spill_policy_spools_and_replays_everything) {
  stalled st(data::full_policy::spill);
  auto* store = st.service->store();
  ASSERT_NE(store, nullptr) << st.service->failure();
  std::map<ack, int> acks;
  std::vector<std::string> acked;
  {
    auto hold = st.service->db()->writer();
    acked = record_numbered(*store, 0, 500, acks);
  }
  EXPECT_EQ(acks[ack::accepted], 500);
  EXPECT_GT(store->metrics().spooled, 0u);
  ASSERT_TRUE(eventually([&] { return store->metrics().replayed > 0; }));
  EXPECT_EQ(st.service->h.stop(), 0);
  EXPECT_EQ(count_present(st.url, acked), 500);
  EXPECT_EQ(count_events(st.url).rows, 500);
}

TEST(data_telemetry_sqlite, shutdown_past_the_flush_budget_spools_and_the_next_start_replays) {
  temp_dir dir;
  const std::string url = "sqlite://" + (dir / "t.db").string();
  std::vector<std::string> acked;
  {
    auto t = telemetry_options(dir / "spool");
    t.flush_budget = 1ns;  // nothing fits: every queued event goes to the spool
    t.batch_delay = 10s;
    t.batch_max = 100000;
    t.queue_capacity = 200000;
    telemetry_service s(db_options(url), t);
    ASSERT_NE(s.store(), nullptr) << s.failure();
    std::map<ack, int> acks;
    acked = record_numbered(*s.store(), 0, 50000, acks);
    ASSERT_EQ(acked.size(), 50000u);
    EXPECT_EQ(s.h.stop(), 0);
    EXPECT_EQ(s.store(), nullptr);
  }
  EXPECT_EQ(count_events(url).rows, 0);
  {
    telemetry_service s(db_options(url), telemetry_options(dir / "spool"));
    ASSERT_NE(s.store(), nullptr) << s.failure();
    ASSERT_TRUE(eventually([&] { return s.store()->metrics().replayed == 50000; }));
    EXPECT_EQ(s.h.stop(), 0);
  }
  const auto c = count_events(url);
  EXPECT_EQ(c.rows, 50000);
  EXPECT_EQ(c.distinct_payloads, 50000);
  EXPECT_TRUE(data::spool_files(dir / "spool").empty());
}

// The writer connection held elsewhere past lease_timeout looks like an outage to the store: batches go
// to the spool, and once the connection is free the spool is replayed before newer events. SQLite's
// rowid shows the order rows were inserted in.
TEST(data_telemetry_sqlite, an_outage_keeps_insertion_order_through_the_spool) {
  temp_dir dir;
  const std::string url = "sqlite://" + (dir / "t.db").string();
  {
    auto d = db_options(url);
    d.lease_timeout = 100ms;
    auto t = telemetry_options(dir / "spool");
    t.batch_max = 100;
    telemetry_service s(d, t);
    ASSERT_NE(s.store(), nullptr) << s.failure();
    auto* store = s.store();
    std::map<ack, int> acks;
    record_numbered(*store, 0, 1000, acks);
    ASSERT_TRUE(eventually([&] { return store->metrics().written == 1000; }));
    {
      auto hold = s.db()->writer();
      record_numbered(*store, 1000, 2000, acks);
      ASSERT_TRUE(eventually([&] { return store->metrics().spooled >= 2000; }));
      EXPECT_TRUE(store->metrics().database_down);
    }
    record_numbered(*store, 3000, 1000, acks);
    ASSERT_TRUE(eventually([&] {
      const auto m = store->metrics();
      return m.written + m.replayed == 4000 && !m.database_down;
    }));
    EXPECT_EQ(acks[ack::accepted], 4000);
    EXPECT_EQ(s.h.stop(), 0);
  }
  db_service check(db_options(url));
  ASSERT_NE(check.db(), nullptr);
  std::vector<std::string> payloads(5000);
  *check.db()->reader() << "SELECT payload FROM telemetry_events ORDER BY rowid", soci::into(payloads);
  ASSERT_EQ(payloads.size(), 4000u);
  for (int i = 0; i < 4000; ++i) ASSERT_EQ(payloads[static_cast<std::size_t>(i)], std::to_string(i)) << i;
}

TEST(data_telemetry_sqlite, durable_mode_acknowledges_after_fsync_and_leaves_no_spool_behind) {
  temp_dir dir;
  const std::string url = "sqlite://" + (dir / "t.db").string();
  {
    auto t = telemetry_options(dir / "spool");
    t.durable = true;
    telemetry_service s(db_options(url), t);
    ASSERT_NE(s.store(), nullptr) << s.failure();
    auto produce = [&](int who) {
      for (int i = 0; i < 300; ++i) ASSERT_EQ(s.store()->record({"d", fmt::format("{}-{}", who, i)}), ack::accepted);
    };
    std::thread a(produce, 1), b(produce, 2);
    a.join();
    b.join();
    EXPECT_EQ(s.store()->metrics().spooled, 600u);
    EXPECT_FALSE(data::spool_files(dir / "spool").empty());
    EXPECT_EQ(s.h.stop(), 0);
  }
  EXPECT_TRUE(data::spool_files(dir / "spool").empty());
  EXPECT_EQ(count_events(url).distinct_payloads, 600);
}

TEST(data_telemetry_sqlite, configuration_errors_name_the_key) {
  service svc("datatest", quiet({"telemetry.when_full=sometimes", "telemetry.batch_max=0"}));
  svc.add<data::database>("db");
  svc.add<data::telemetry_store>("telemetry").depends_on<data::database>();
  const auto errors = svc.check();
  ASSERT_EQ(errors.size(), 2u) << ::testing::PrintToString(errors);
  const std::string all = errors[0] + "\n" + errors[1];
  EXPECT_NE(all.find("telemetry.when_full: unknown policy 'sometimes' (use block, drop or spill)"), std::string::npos)
      << all;
  EXPECT_NE(all.find("telemetry.batch_max: must be between 1 and 100000"), std::string::npos) << all;
}

}  // namespace
}  // namespace lifespan::test
