// The delivery framework on a real SQLite file: the outbox written with the alerts, the relay's order,
// at-least-once delivery across an outage, the bounded backlog, rejected alerts, the lease between two
// relays of one sink, a disabled sink's backlog dropped, and relays woken by the store's commits.
#include "delivery/outbox.hpp"
#include "delivery/relay.hpp"
#include "delivery_fixture.hpp"

namespace vigil::test {
namespace {

using lifespan::health_status;

struct delivery_service {
  explicit delivery_service(const temp_dir& dir, std::vector<std::string> extra = {})
      : rec(std::make_shared<recorder>()),
        s(dir, {(dir / "access.log").string()}, with(std::move(extra)), [this](lifespan::service& svc) {
          svc.add<delivery_component>("testsink", rec).background().depends_on<service::alert_store>();
        }) {
    up = s.up && s.h->wait_for_event(lifespan::event_kind::component_up, "testsink", 30s);
  }
  static std::vector<std::string> with(std::vector<std::string> extra) {
    auto out = fast_relay("testsink");
    out.insert(out.end(), extra.begin(), extra.end());
    return out;
  }
  delivery::relay_status status() { return rec->component.load()->delivery().value(); }
  long long outbox_rows() { return sqlite_reader(s.db_file).number("SELECT COUNT(*) FROM vigil_delivery_outbox WHERE sink = 'test'"); }

  std::shared_ptr<recorder> rec;
  service_under_test s;
  bool up = false;
};

TEST(vigil_delivery, alerts_reach_the_sink_once_in_order_and_a_replay_queues_nothing) {
  temp_dir dir;
  delivery_service d(dir);
  ASSERT_TRUE(d.up);
  for (int b = 0; b < 5; ++b) ASSERT_EQ(d.s.alerts().write(numbered_alerts(b * 100, b * 100 + 100)), 100u);
  ASSERT_TRUE(eventually([&] { return d.rec->size() >= 500; })) << d.rec->size();
  EXPECT_EQ(d.rec->snapshot(), numbered_keys(0, 500));
  ASSERT_TRUE(eventually([&] { return d.outbox_rows() == 0 && d.status().backlog == 0; }));
  EXPECT_EQ(d.status().delivered, 500u);
  // A replayed batch stores nothing new, so nothing new is queued.
  EXPECT_EQ(d.s.alerts().write(numbered_alerts(0, 100)), 0u);
  EXPECT_EQ(d.outbox_rows(), 0);
  EXPECT_EQ(d.s.h->stop(), 0);
  EXPECT_EQ(d.rec->size(), 500u);
}

TEST(vigil_delivery, a_down_sink_degrades_the_component_keeps_the_backlog_and_delivers_it_when_back) {
  temp_dir dir;
  delivery_service d(dir);
  ASSERT_TRUE(d.up);
  ASSERT_EQ(d.s.alerts().write(numbered_alerts(0, 50)), 50u);
  ASSERT_TRUE(eventually([&] { return d.rec->size() == 50; }));

  d.rec->down = true;
  for (int b = 1; b < 4; ++b) ASSERT_EQ(d.s.alerts().write(numbered_alerts(b * 100, b * 100 + 100)), 100u);
  EXPECT_EQ(d.s.alerts().count(), 350);  // storing does not wait for the sink
  ASSERT_TRUE(eventually([&] { return health_of(d.s.svc, "testsink").first == health_status::degraded; }));
  const auto [health, reason] = health_of(d.s.svc, "testsink");
  EXPECT_NE(reason.find("the test destination test"), std::string::npos) << reason;
  EXPECT_NE(reason.find("is down"), std::string::npos) << reason;
  EXPECT_EQ(d.outbox_rows(), 300);
  EXPECT_TRUE(d.status().failing);
  EXPECT_EQ(d.status().last_error, "the test destination is down");

  d.rec->down = false;
  ASSERT_TRUE(eventually([&] { return d.rec->size() >= 350; })) << d.rec->size();
  auto expected = numbered_keys(0, 50);
  for (int b = 1; b < 4; ++b) {
    auto more = numbered_keys(b * 100, b * 100 + 100);
    expected.insert(expected.end(), more.begin(), more.end());
  }
  EXPECT_EQ(d.rec->snapshot(), expected);  // in order, each once
  ASSERT_TRUE(eventually([&] { return health_of(d.s.svc, "testsink").first == health_status::ok; }));
  EXPECT_EQ(d.outbox_rows(), 0);
  const auto st = d.status();
  EXPECT_FALSE(st.failing);
  EXPECT_GT(st.failures, 0u);
  EXPECT_EQ(st.last_error, "the test destination is down");  // kept after recovery, for the operator
  EXPECT_EQ(d.s.h->stop(), 0);
}

TEST(vigil_delivery, beyond_max_backlog_the_oldest_undelivered_are_skipped_and_counted) {
  temp_dir dir;
  delivery_service d(dir, {"testsink.max_backlog=100"});
  ASSERT_TRUE(d.up);
  d.rec->down = true;
  for (int b = 0; b < 5; ++b) ASSERT_EQ(d.s.alerts().write(numbered_alerts(b * 50, b * 50 + 50)), 50u);
  ASSERT_TRUE(eventually([&] { return d.status().skipped == 150; })) << d.status().skipped;
  EXPECT_EQ(d.outbox_rows(), 100);
  EXPECT_EQ(d.s.alerts().count(), 250);  // skipping concerns delivery only
  d.rec->down = false;
  ASSERT_TRUE(eventually([&] { return d.rec->size() >= 100 && d.outbox_rows() == 0; }));
  EXPECT_EQ(d.rec->snapshot(), numbered_keys(150, 250));  // the newest 100
  EXPECT_EQ(d.status().skipped, 150u);
  EXPECT_EQ(d.s.h->stop(), 0);
}

TEST(vigil_delivery, an_alert_the_destination_rejects_is_skipped_not_retried_forever) {
  temp_dir dir;
  delivery_service d(dir);
  ASSERT_TRUE(d.up);
  {
    std::lock_guard lock(d.rec->mutex);
    d.rec->reject = numbered_alert(7).key;
  }
  ASSERT_EQ(d.s.alerts().write(numbered_alerts(0, 20)), 20u);
  ASSERT_TRUE(eventually([&] { return d.outbox_rows() == 0 && d.rec->size() == 19; })) << d.rec->size();
  auto expected = numbered_keys(0, 20);
  expected.erase(expected.begin() + 7);
  EXPECT_EQ(d.rec->snapshot(), expected);
  EXPECT_EQ(d.status().skipped, 1u);
  EXPECT_EQ(d.status().delivered, 19u);
  EXPECT_EQ(d.s.h->stop(), 0);
}

// Two relays of one sink (as two replicas on one database would run): one holds the lease and delivers
// everything; when it stops it releases the lease and the other takes over, without duplicates.
TEST(vigil_delivery, two_relays_of_one_sink_take_turns_through_the_lease) {
  temp_dir dir;
  service_under_test s(dir, {(dir / "access.log").string()});
  ASSERT_TRUE(s.up);
  auto a = std::make_shared<recorder>(), b = std::make_shared<recorder>();
  recording_sink sink_a(a, "shared"), sink_b(b, "shared");
  delivery::relay_options o;
  o.poll_interval = std::chrono::milliseconds(20);
  o.retry_initial = std::chrono::milliseconds(20);
  o.holder = "replica-a";
  auto relay_a = std::make_unique<delivery::relay>(sink_a, s.alerts(), o);
  o.holder = "replica-b";
  delivery::relay relay_b(sink_b, s.alerts(), o);
  relay_a->start();
  ASSERT_TRUE(eventually([&] { return relay_a->status().holding; }));
  relay_b.start();
  ASSERT_EQ(s.alerts().write(numbered_alerts(0, 300)), 300u);
  ASSERT_TRUE(eventually([&] { return a->size() == 300; })) << a->size();
  EXPECT_EQ(b->size(), 0u);
  EXPECT_FALSE(relay_b.status().holding);

  relay_a.reset();  // releases the lease
  ASSERT_EQ(s.alerts().write(numbered_alerts(300, 400)), 100u);
  ASSERT_TRUE(eventually([&] { return b->size() == 100; })) << b->size();
  EXPECT_EQ(a->snapshot(), numbered_keys(0, 300));
  EXPECT_EQ(b->snapshot(), numbered_keys(300, 400));
  EXPECT_TRUE(relay_b.status().holding);
  relay_b.stop();
  EXPECT_EQ(s.h->stop(), 0);
}

TEST(vigil_delivery, disabling_a_sink_drops_its_backlog_and_stops_queueing_for_it) {
  temp_dir dir;
  {
    delivery_service d(dir);
    ASSERT_TRUE(d.up);
    d.rec->down = true;
    ASSERT_EQ(d.s.alerts().write(numbered_alerts(0, 10)), 10u);
    EXPECT_EQ(d.outbox_rows(), 10);
    EXPECT_EQ(d.s.h->stop(), 0);
  }
  delivery_service d(dir, {"testsink.enabled=false"});
  ASSERT_TRUE(d.up);
  EXPECT_EQ(d.outbox_rows(), 0);
  EXPECT_FALSE(d.rec->component.load()->delivery().has_value());
  ASSERT_EQ(d.s.alerts().write(numbered_alerts(10, 20)), 10u);
  EXPECT_EQ(d.outbox_rows(), 0);
  EXPECT_EQ(sqlite_reader(d.s.db_file).number("SELECT COUNT(*) FROM vigil_delivery_sinks"), 0);
  EXPECT_EQ(d.rec->calls.load(), 0);  // no relay runs for a disabled sink
  EXPECT_EQ(d.s.h->stop(), 0);
}

// The relay wakes when the store commits new alerts: with a poll of a minute, alerts still leave at
// once (the relay's first round ran at start, so without the wake nothing would move for a minute).
TEST(vigil_delivery, new_alerts_wake_the_relay_instead_of_waiting_for_its_poll) {
  temp_dir dir;
  delivery_service d(dir, {"testsink.poll_interval=60s", "testsink.probe_interval=60s"});
  ASSERT_TRUE(d.up);
  ASSERT_TRUE(eventually([&] { return d.rec->calls == 0 && d.status().backlog == 0; }));
  for (int b = 0; b < 3; ++b) {
    ASSERT_EQ(d.s.alerts().write(numbered_alerts(b * 10, b * 10 + 10)), 10u);
    ASSERT_TRUE(eventually([&] { return d.rec->size() == static_cast<std::size_t>(b * 10 + 10); }, 30s))
        << "batch " << b << ": " << d.rec->size();
  }
  EXPECT_EQ(d.rec->snapshot(), numbered_keys(0, 30));
  EXPECT_EQ(d.s.h->stop(), 0);
}

// The store's observers: several at once, each removed on its own; a removed one is never called
// again, a replay (nothing new) calls none, and a throwing one keeps neither the write nor the others.
TEST(vigil_delivery, the_stores_new_alert_observers_are_independent_and_removable) {
  temp_dir dir;
  delivery_service d(dir);
  ASSERT_TRUE(d.up);
  auto& store = d.s.alerts();
  std::atomic<std::size_t> a{0}, b{0};
  auto first = store.on_new_alerts([&](std::size_t n) { a += n; });
  auto second = store.on_new_alerts([&](std::size_t n) { b += n; });
  auto thrower = store.on_new_alerts([](std::size_t) { throw std::runtime_error("observer failure"); });
  ASSERT_EQ(store.write(numbered_alerts(0, 5)), 5u);
  EXPECT_EQ(a.load(), 5u);
  EXPECT_EQ(b.load(), 5u);
  EXPECT_EQ(store.write(numbered_alerts(0, 5)), 0u);  // a replay: nothing new, nobody called
  EXPECT_EQ(a.load(), 5u);
  first.reset();
  ASSERT_EQ(store.write(numbered_alerts(5, 8)), 3u);
  EXPECT_EQ(a.load(), 5u);
  EXPECT_EQ(b.load(), 8u);
  // Removing one while another thread notifies: reset() returns only once it is not running.
  std::atomic<bool> in_call{false}, finished{false}, removed{false}, called_after{false};
  auto slow = store.on_new_alerts([&](std::size_t) {
    in_call = true;
    if (removed) called_after = true;
    std::this_thread::sleep_for(50ms);  // fault injection: a slow observer
    finished = true;
  });
  std::thread writer([&] { (void)store.write(numbered_alerts(8, 9)); });
  ASSERT_TRUE(eventually([&] { return in_call.load(); }));
  slow.reset();
  EXPECT_TRUE(finished.load());  // reset() waited for the call in progress
  removed = true;
  writer.join();
  ASSERT_EQ(store.write(numbered_alerts(9, 10)), 1u);
  EXPECT_FALSE(called_after.load());
  EXPECT_EQ(b.load(), 10u);
  EXPECT_EQ(d.s.h->stop(), 0);
}

}  // namespace
}  // namespace vigil::test
