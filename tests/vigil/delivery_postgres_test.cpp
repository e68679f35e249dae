// The delivery outbox on PostgreSQL (a throwaway server from the data area): concurrent writers, whose
// transactions commit out of id order, and two relays of one sink (two replicas) deliver every alert
// exactly once, each writer's alerts in the order they were written.
#include <map>

#include "delivery/relay.hpp"
#include "delivery_fixture.hpp"
#include "lifespan/data/test_server.hpp"

namespace vigil::test {
namespace {

TEST(vigil_delivery_postgres, concurrent_writers_and_two_relays_deliver_every_alert_once) {
  if (!std::filesystem::exists("/usr/lib/postgresql/15/bin/initdb")) GTEST_SKIP() << "PostgreSQL 15 is not installed";
  lifespan::data::test_server pg;
  pg.start();
  temp_dir dir;
  auto rec = std::make_shared<recorder>();
  auto extra = fast_relay("testsink");
  extra.push_back("db.url=" + pg.fresh_database());
  service_under_test s(dir, {(dir / "access.log").string()}, extra, [&](lifespan::service& svc) {
    svc.add<delivery_component>("testsink", rec).background().depends_on<service::alert_store>();
  });
  ASSERT_TRUE(s.up);
  ASSERT_TRUE(s.h->wait_for_event(lifespan::event_kind::component_up, "testsink", 30s));
  // A second relay of the same sink, as another replica on this database would run.
  auto other = std::make_shared<recorder>();
  recording_sink other_sink(other, "test");
  delivery::relay_options o;
  o.poll_interval = std::chrono::milliseconds(20);
  delivery::relay second(other_sink, s.alerts(), o);
  second.start();

  constexpr int writers = 4, batches = 10, per_batch = 25;
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w)
    threads.emplace_back([&, w] {
      for (int b = 0; b < batches; ++b) {
        const int from = (w * batches + b) * per_batch;
        s.alerts().write(numbered_alerts(from, from + per_batch));
      }
    });
  for (auto& t : threads) t.join();
  constexpr std::size_t total = writers * batches * per_batch;
  EXPECT_EQ(s.alerts().count(), static_cast<std::int64_t>(total));
  ASSERT_TRUE(eventually([&] { return rec->size() + other->size() >= total; }, 30s)) << rec->size() + other->size();

  auto all = rec->snapshot();
  const auto more = other->snapshot();
  all.insert(all.end(), more.begin(), more.end());
  EXPECT_EQ(all.size(), total);
  EXPECT_TRUE(all_distinct(all));
  EXPECT_TRUE(rec->size() == 0 || other->size() == 0) << "both relays delivered: " << rec->size() << " + " << other->size();
  // Each writer's alerts arrive in the order that writer stored them.
  std::map<int, int> last_of_writer;
  for (const auto& key : (rec->size() ? rec->snapshot() : more)) {
    const int i = std::stoi(key.substr(key.rfind(':', key.size() - 6) + 1));
    const int w = i / (batches * per_batch);
    EXPECT_GT(i, last_of_writer.count(w) ? last_of_writer[w] : -1) << key;
    last_of_writer[w] = i;
  }
  second.stop();
  EXPECT_EQ(s.h->stop(), 0);
}

}  // namespace
}  // namespace vigil::test
