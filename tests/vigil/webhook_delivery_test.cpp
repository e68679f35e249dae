// The webhook sink against a real receiver on loopback (tests/http_client/receiver.hpp, Boost.Beast):
// the whole service tails a log, stores alerts and POSTs them through the pooled http_client
// component; the receiver accepts, fails with 503, hangs or answers 400, and the component degrades,
// recovers and skips as documented while the pipeline keeps storing.
#include <nlohmann/json.hpp>

#include "delivery/webhook_delivery.hpp"
#include "delivery_fixture.hpp"
#include "webhook_receiver.hpp"
#include "lifespan/http/server.hpp"

namespace vigil::test {
namespace {

using lifespan::health_status;

struct grabbed {
  std::atomic<delivery::webhook_delivery*> webhook{nullptr};
};
struct grab_webhook : lifespan::component {
  explicit grab_webhook(std::shared_ptr<grabbed> g) : g_(std::move(g)) {}
  void start(lifespan::context& ctx) override { g_->webhook = &ctx.get<delivery::webhook_delivery>(); }
  void stop(lifespan::time_point) override { g_->webhook = nullptr; }
  std::shared_ptr<grabbed> g_;
};

// The service with webhook delivery on, to `url`, with quick retries and a short timeout.
struct webhook_service {
  webhook_service(const temp_dir& dir, const std::string& url, std::vector<std::string> extra = {})
      : log(dir / "access.log"), s(dir, {log.string()}, overrides(url, std::move(extra)), [this](lifespan::service& svc) {
          svc.add<grab_webhook>("grab_webhook", g).background().depends_on<delivery::webhook_delivery>();
        }) {
    up = s.up && s.h->wait_for_event(lifespan::event_kind::component_up, "grab_webhook", 30s);
  }
  static std::vector<std::string> overrides(const std::string& url, std::vector<std::string> extra) {
    auto out = fast_relay("webhook");
    for (std::string o : {"webhook.enabled=true", "webhook.timeout=2s", "webhook.connect_timeout=1s"}) out.push_back(o);
    out.push_back("webhook.url=" + url);
    out.insert(out.end(), extra.begin(), extra.end());
    return out;
  }
  delivery::relay_status status() { return g->webhook.load()->delivery().value(); }
  std::vector<std::string> stored_keys() { return test::stored_keys(s.alerts()); }

  std::filesystem::path log;
  std::shared_ptr<grabbed> g = std::make_shared<grabbed>();
  service_under_test s;
  bool up = false;
};

TEST(vigil_webhook, alerts_arrive_as_json_arrays_in_order_exactly_once_with_the_bearer_token) {
  temp_dir dir;
  hook h;
  webhook_service w(dir, h.r.url("/hook?sig=query-secret-5"),
                    {"webhook.batch_size=10", "webhook.bearer_token=t0ken-secret-3"});
  ASSERT_TRUE(w.up);
  append(w.log, log_lines(0, 400, 8));
  ASSERT_TRUE(w.s.wait_stored(400));
  ASSERT_TRUE(eventually([&] { return w.status().delivered == 50 && w.status().backlog == 0; }))
      << w.status().delivered;
  EXPECT_EQ(h.accepted_keys(), w.stored_keys());
  const auto requests = h.r.requests();
  ASSERT_GE(requests.size(), 5u);
  for (const auto& r : requests) {
    EXPECT_EQ(r.method, "POST");
    EXPECT_EQ(r.target, "/hook?sig=query-secret-5");
    EXPECT_EQ(r.content_type, "application/json");
    EXPECT_EQ(r.authorization, "Bearer t0ken-secret-3");
    const auto body = nlohmann::json::parse(r.body);
    ASSERT_TRUE(body.is_array());
    EXPECT_LE(body.size(), 10u);
    EXPECT_GT(body.front()["id"].get<std::int64_t>(), 0);
    EXPECT_FALSE(body.front()["client"].get<std::string>().empty());
  }
  EXPECT_LT(h.r.connections(), requests.size());  // the pooled client keeps the connection alive
  const auto st = w.status();
  EXPECT_EQ(st.destination, fmt::format("webhook POST http://127.0.0.1:{}/hook", h.r.port()));
  EXPECT_EQ(st.skipped, 0u);
  EXPECT_EQ(health_of(w.s.svc, "webhook").first, health_status::ok);
  EXPECT_EQ(w.s.h->stop(), 0);
}

TEST(vigil_webhook, batch_size_one_posts_one_object_per_alert) {
  temp_dir dir;
  hook h;
  webhook_service w(dir, h.r.url(), {"webhook.batch_size=1"});
  ASSERT_TRUE(w.up);
  append(w.log, log_lines(0, 80, 8));
  ASSERT_TRUE(w.s.wait_stored(80));
  ASSERT_TRUE(eventually([&] { return w.status().delivered == 10 && w.status().backlog == 0; }))
      << delivery::to_json(w.status()).dump() << " stored " << w.s.alerts().count() << " requests " << h.r.requests().size();
  EXPECT_EQ(h.accepted_keys(), w.stored_keys());
  std::lock_guard lock(h.mutex);
  EXPECT_EQ(h.arrays, std::vector<bool>(10, false));
  EXPECT_EQ(w.s.h->stop(), 0);
}

TEST(vigil_webhook, while_the_receiver_fails_with_503_the_backlog_is_kept_and_delivered_once_it_recovers) {
  temp_dir dir;
  hook h;
  h.behaviour = mode::fail_503;
  webhook_service w(dir, h.r.url(), {"webhook.batch_size=20"});
  ASSERT_TRUE(w.up);
  append(w.log, log_lines(0, 400, 8));
  ASSERT_TRUE(w.s.wait_stored(400));  // the pipeline does not wait for the receiver
  ASSERT_TRUE(eventually([&] { return health_of(w.s.svc, "webhook").first == health_status::degraded; }))
      << health_of(w.s.svc, "webhook").second;
  const auto reason = health_of(w.s.svc, "webhook").second;
  EXPECT_NE(reason.find("HTTP 503"), std::string::npos) << reason;
  EXPECT_NE(reason.find(fmt::format("webhook POST http://127.0.0.1:{}/hook", h.r.port())), std::string::npos) << reason;
  ASSERT_TRUE(eventually([&] { return w.status().backlog == 50; })) << w.status().backlog;
  EXPECT_EQ(w.status().delivered, 0u);
  EXPECT_TRUE(eventually([&] { return h.r.requests().size() >= 2; }));  // retried with backoff

  h.behaviour = mode::accept;
  ASSERT_TRUE(eventually([&] { return w.status().delivered == 50 && w.status().backlog == 0; }))
      << w.status().delivered;
  EXPECT_EQ(h.accepted_keys(), w.stored_keys());  // no loss, no duplicate, in order
  ASSERT_TRUE(eventually([&] { return health_of(w.s.svc, "webhook").first == health_status::ok; }));
  EXPECT_EQ(w.status().skipped, 0u);
  EXPECT_NE(w.status().last_error.find("HTTP 503"), std::string::npos);
  EXPECT_EQ(w.s.h->stop(), 0);
}

TEST(vigil_webhook, a_hung_receiver_times_out_without_slowing_the_pipeline) {
  temp_dir dir;
  hook h;
  h.behaviour = mode::hang;
  webhook_service w(dir, h.r.url(), {"webhook.timeout=300ms"});
  ASSERT_TRUE(w.up);
  append(w.log, log_lines(0, 800, 8));
  ASSERT_TRUE(h.r.wait_for_requests(1));
  ASSERT_TRUE(w.s.wait_stored(800, 20s)) << w.s.pipeline().stats().lines_stored;
  EXPECT_EQ(w.s.alerts().count(), 100);
  ASSERT_TRUE(eventually([&] {
    const auto [health, why] = health_of(w.s.svc, "webhook");
    return health == health_status::degraded && why.find("timed out") != std::string::npos;
  })) << health_of(w.s.svc, "webhook").second;
  EXPECT_TRUE(h.accepted_keys().empty());

  h.behaviour = mode::accept;
  ASSERT_TRUE(eventually([&] { return w.status().delivered == 100 && w.status().backlog == 0; }))
      << w.status().delivered;
  EXPECT_EQ(h.accepted_keys(), w.stored_keys());  // the hung POSTs were never answered: each alert once
  ASSERT_TRUE(eventually([&] { return health_of(w.s.svc, "webhook").first == health_status::ok; }));
  EXPECT_EQ(w.s.h->stop(), 0);
}

TEST(vigil_webhook, alerts_the_receiver_rejects_with_400_are_skipped_and_counted) {
  temp_dir dir;
  hook h;
  h.behaviour = mode::reject_poison;
  webhook_service w(dir, h.r.url(), {"webhook.batch_size=10"});
  ASSERT_TRUE(w.up);
  append(w.log, log_lines(0, 240, 8));  // 30 alerts; the 5th is refused, alone
  ASSERT_TRUE(w.s.wait_stored(240));
  ASSERT_TRUE(eventually([&] { return w.status().backlog == 0 && w.status().delivered == 29; }))
      << w.status().delivered << " delivered, " << w.status().skipped << " skipped";
  auto expected = w.stored_keys();
  ASSERT_EQ(expected.size(), 30u);
  {
    std::lock_guard lock(h.mutex);
    EXPECT_EQ(h.poison, expected[4]);
  }
  expected.erase(expected.begin() + 4);
  EXPECT_EQ(h.accepted_keys(), expected);
  EXPECT_EQ(w.status().skipped, 1u);
  EXPECT_EQ(health_of(w.s.svc, "webhook").first, health_status::ok);  // a rejection is no outage

  h.behaviour = mode::reject_all;  // a receiver that refuses everything: every alert skipped, counted
  append(w.log, log_lines(240, 320, 8, "b"));
  ASSERT_TRUE(w.s.wait_stored(320));
  ASSERT_TRUE(eventually([&] { return w.status().skipped == 11 && w.status().backlog == 0; }))
      << w.status().skipped;
  EXPECT_EQ(w.status().delivered, 29u);
  EXPECT_EQ(w.s.h->stop(), 0);
}

TEST(vigil_webhook, urls_are_redacted_and_configuration_errors_never_repeat_secrets) {
  EXPECT_EQ(delivery::redacted_url("https://u:pw-secret@hooks.example:8443/a/b?sig=s#f"), "https://hooks.example:8443/a/b");
  EXPECT_EQ(delivery::redacted_url("http://h?x=1"), "http://h");
  EXPECT_EQ(delivery::redacted_url("http://h/p"), "http://h/p");

  const std::vector<std::pair<std::string, std::string>> cases = {
      {"webhook.url", "ftp://u:hunter2-secret@h/x"},
      {"webhook.url", ""},
      {"webhook.bearer_token", "hunter2-secret with space"},
      {"webhook.headers.bad name", "hunter2-secret"},
      {"webhook.max_attempts", "0"},
  };
  for (const auto& [key, value] : cases) {
    SCOPED_TRACE(key + " " + value);
    temp_dir dir;
    std::vector<std::string> set = {"db.url=sqlite://" + (dir / "v.db").string(), "webhook.enabled=true",
                                    key + "=" + value};
    if (key != "webhook.url") set.push_back("webhook.url=http://127.0.0.1:9/hook");
    lifespan::service svc("vigil", quiet(set));
    service::assemble(svc);
    const auto problems = svc.check();
    ASSERT_FALSE(problems.empty());
    std::string all;
    for (const auto& p : problems) all += p + "\n";
    EXPECT_NE(all.find(key), std::string::npos) << all;
    EXPECT_EQ(all.find("hunter2-secret"), std::string::npos) << all;
  }
}

}  // namespace
}  // namespace vigil::test
