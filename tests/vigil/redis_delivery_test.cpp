// The Redis sink against a real redis-server started per test (and stopped, restarted, paused): the
// whole service tails a log, stores alerts and appends them to a stream; an outage degrades the
// component while the pipeline keeps storing, and the backlog arrives when Redis is back.
#include <nlohmann/json.hpp>

#include "delivery/redis_delivery.hpp"
#include "delivery_fixture.hpp"
#include "lifespan/http/server.hpp"
#include "redis_server.hpp"

namespace vigil::test {
namespace {

using lifespan::health_status;

struct grabbed {
  std::atomic<delivery::redis_delivery*> redis{nullptr};
  std::atomic<int> port{0};
};
struct grab_redis : lifespan::component {
  explicit grab_redis(std::shared_ptr<grabbed> g) : g_(std::move(g)) {}
  void start(lifespan::context& ctx) override {
    g_->redis = &ctx.get<delivery::redis_delivery>();
    g_->port = ctx.get<lifespan::http::server>().port();
  }
  void stop(lifespan::time_point) override { g_->redis = nullptr; }
  std::shared_ptr<grabbed> g_;
};

// The service with Redis delivery on, to `url`, stream "alerts", with quick retries.
struct redis_service {
  redis_service(const temp_dir& dir, const std::string& url, std::vector<std::string> extra = {})
      : log(dir / "access.log"), s(dir, {log.string()}, overrides(url, std::move(extra)), [this](lifespan::service& svc) {
          svc.add<grab_redis>("grab_redis", g).background().depends_on<delivery::redis_delivery>()
              .depends_on<lifespan::http::server>();
        }) {
    up = s.up && s.h->wait_for_event(lifespan::event_kind::component_up, "grab_redis", 30s);
  }
  static std::vector<std::string> overrides(const std::string& url, std::vector<std::string> extra) {
    auto out = fast_relay("redis");
    for (std::string o : {"redis.enabled=true", "redis.stream=alerts", "redis.connect_timeout=500ms",
                          "redis.command_timeout=500ms"})
      out.push_back(o);
    out.push_back("redis.url=" + url);
    out.insert(out.end(), extra.begin(), extra.end());
    return out;
  }
  delivery::relay_status status() { return g->redis.load()->delivery().value(); }
  nlohmann::json api_status() { return nlohmann::json::parse(http_get(g->port, "/api/status")); }
  std::vector<std::string> stored_keys() { return test::stored_keys(s.alerts()); }

  std::filesystem::path log;
  std::shared_ptr<grabbed> g = std::make_shared<grabbed>();
  service_under_test s;
  bool up = false;
};

std::vector<std::string> keys_of(const std::vector<std::pair<std::string, std::string>>& entries) {
  std::vector<std::string> out;
  for (const auto& e : entries) out.push_back(e.first);
  return out;
}

TEST(vigil_redis, alerts_are_appended_to_a_stream_that_a_consumer_group_reads) {
  temp_dir dir;
  redis_server redis(dir.path());
  redis_service r(dir, redis.url());
  ASSERT_TRUE(r.up);
  append(r.log, log_lines(0, 400, 8));
  ASSERT_TRUE(r.s.wait_stored(400));
  redis_client c(redis.port());
  ASSERT_TRUE(eventually([&] { return c.xlen("alerts") == 50; })) << c.xlen("alerts").value_or(-1);
  const auto entries = c.entries("alerts");
  EXPECT_EQ(keys_of(entries), r.stored_keys());  // each once, in store order
  const auto first = nlohmann::json::parse(entries.front().second);
  EXPECT_EQ(first["key"], entries.front().first);
  EXPECT_EQ(first["client"], "10.0.0.0");
  EXPECT_EQ(first["categories"], nlohmann::json::array({"xss"}));
  EXPECT_GT(first["id"].get<std::int64_t>(), 0);

  auto created = c.command({"XGROUP", "CREATE", "alerts", "readers", "0"});
  ASSERT_TRUE(created && created->type == REDIS_REPLY_STATUS);
  auto read = c.command({"XREADGROUP", "GROUP", "readers", "one", "COUNT", "100", "STREAMS", "alerts", ">"});
  ASSERT_TRUE(read && read->type == REDIS_REPLY_ARRAY && read->elements == 1);
  EXPECT_EQ(read->element[0]->element[1]->elements, 50u);

  ASSERT_TRUE(eventually([&] { return r.status().delivered == 50 && r.status().backlog == 0; }));
  const auto api = r.api_status()["delivery"]["redis"];
  EXPECT_EQ(api["delivered"], 50);
  EXPECT_EQ(api["backlog"], 0);
  EXPECT_EQ(api["skipped"], 0);
  EXPECT_EQ(api["last_error"], nullptr);
  EXPECT_EQ(api["destination"], fmt::format("redis 127.0.0.1:{}/0 stream alerts", redis.port()));
  EXPECT_EQ(health_of(r.s.svc, "redis").first, health_status::ok);
  const auto metrics = http_get(r.g->port, "/metrics");
  EXPECT_NE(metrics.find("vigil_delivery_delivered_total{sink=\"redis\"} 50"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("vigil_delivery_backlog{sink=\"redis\"} 0"), std::string::npos) << metrics;
  EXPECT_EQ(r.s.h->stop(), 0);
}

TEST(vigil_redis, while_redis_is_down_alerts_are_stored_and_the_backlog_arrives_exactly_once_when_it_returns) {
  temp_dir dir;
  redis_server redis(dir.path());
  redis_service r(dir, redis.url());
  ASSERT_TRUE(r.up);
  append(r.log, log_lines(0, 200, 8, "before"));
  ASSERT_TRUE(r.s.wait_stored(200));
  redis_client before(redis.port());
  ASSERT_TRUE(eventually([&] { return before.xlen("alerts") == 25; }));

  redis.stop();  // no persistence: the server comes back empty, so the stream then holds the backlog only
  // The first failure is the open connection closing; reconnecting then finds nobody listening.
  ASSERT_TRUE(eventually([&] {
    const auto [health, why] = health_of(r.s.svc, "redis");
    return health == health_status::degraded && why.find("Connection refused") != std::string::npos;
  })) << health_of(r.s.svc, "redis").second;
  const auto reason = health_of(r.s.svc, "redis").second;
  EXPECT_NE(reason.find(fmt::format("redis 127.0.0.1:{}/0", redis.port())), std::string::npos) << reason;
  EXPECT_NE(reason.find("Connection refused"), std::string::npos) << reason;

  // The pipeline does not wait for Redis: every line is stored, its alerts with it.
  append(r.log, log_lines(200, 1000, 8, "during"));
  ASSERT_TRUE(r.s.wait_stored(1000, 20s)) << r.s.pipeline().stats().lines_stored;
  EXPECT_EQ(r.s.alerts().count(), 125);
  ASSERT_TRUE(eventually([&] { return r.status().backlog == 100; })) << r.status().backlog;
  const auto api = r.api_status()["delivery"]["redis"];
  EXPECT_EQ(api["backlog"], 100);
  EXPECT_EQ(api["failing"], true);
  EXPECT_NE(api["last_error"].get<std::string>().find("Connection refused"), std::string::npos) << api;
  EXPECT_EQ(health_of(r.s.svc, "redis").first, health_status::degraded);

  redis.start();
  redis_client after(redis.port());
  ASSERT_TRUE(eventually([&] { return after.xlen("alerts") >= 100 && r.status().backlog == 0; }))
      << after.xlen("alerts").value_or(-1);
  const auto stored = r.stored_keys();
  EXPECT_EQ(keys_of(after.entries("alerts")), std::vector<std::string>(stored.begin() + 25, stored.end()));
  ASSERT_TRUE(eventually([&] { return health_of(r.s.svc, "redis").first == health_status::ok; }));
  EXPECT_EQ(r.status().delivered, 125u);
  EXPECT_EQ(r.status().skipped, 0u);
  EXPECT_EQ(r.s.h->stop(), 0);
}

// A paused (hung) Redis: every command times out, the pipeline goes on, and once Redis resumes the
// backlog is delivered. Commands written before a timeout may still run when it resumes: the
// documented at-least-once window, so here every alert arrives at least once.
TEST(vigil_redis, a_hung_redis_times_out_without_slowing_the_pipeline) {
  temp_dir dir;
  redis_server redis(dir.path());
  redis_service r(dir, redis.url(), {"redis.command_timeout=200ms"});
  ASSERT_TRUE(r.up);
  redis.pause();
  append(r.log, log_lines(0, 800, 8));
  ASSERT_TRUE(r.s.wait_stored(800, 20s)) << r.s.pipeline().stats().lines_stored;
  EXPECT_EQ(r.s.alerts().count(), 100);
  ASSERT_TRUE(eventually([&] { return health_of(r.s.svc, "redis").first == health_status::degraded; }));
  redis.resume();
  redis_client c(redis.port());
  ASSERT_TRUE(eventually([&] { return r.status().backlog == 0 && r.status().delivered >= 100; }));
  const auto delivered = keys_of(c.entries("alerts"));
  const auto stored = r.stored_keys();
  EXPECT_EQ(std::set<std::string>(delivered.begin(), delivered.end()), std::set<std::string>(stored.begin(), stored.end()));
  EXPECT_GE(delivered.size(), 100u);
  EXPECT_EQ(r.s.h->stop(), 0);
}

TEST(vigil_redis, the_backlog_bound_skips_the_oldest_while_redis_is_down) {
  temp_dir dir;
  redis_server redis(dir.path());
  redis_service r(dir, redis.url(), {"redis.max_backlog=30"});
  ASSERT_TRUE(r.up);
  redis.stop();
  append(r.log, log_lines(0, 800, 8));
  ASSERT_TRUE(r.s.wait_stored(800, 20s));
  ASSERT_TRUE(eventually([&] { return r.status().skipped == 70; })) << r.status().skipped;
  EXPECT_EQ(r.s.alerts().count(), 100);
  redis.start();
  redis_client c(redis.port());
  ASSERT_TRUE(eventually([&] { return c.xlen("alerts") == 30 && r.status().backlog == 0; }));
  const auto stored = r.stored_keys();
  EXPECT_EQ(keys_of(c.entries("alerts")), std::vector<std::string>(stored.end() - 30, stored.end()));
  EXPECT_EQ(r.api_status()["delivery"]["redis"]["skipped"], 70);
  EXPECT_EQ(r.s.h->stop(), 0);
}

// A wrong password: degraded, and neither the health reason nor /api/status repeats it. With the right
// one (a restart, the same database) the alerts kept meanwhile are delivered.
TEST(vigil_redis, a_refused_password_is_reported_without_the_password_and_the_backlog_survives_a_restart) {
  temp_dir dir;
  redis_server redis(dir.path(), {"--requirepass", "right-secret-9"});
  const std::string wrong = fmt::format("redis://:wrong-secret-7@127.0.0.1:{}/0", redis.port());
  {
    redis_service r(dir, wrong);
    ASSERT_TRUE(r.up);
    append(r.log, log_lines(0, 160, 8));
    ASSERT_TRUE(r.s.wait_stored(160));
    ASSERT_TRUE(eventually([&] { return health_of(r.s.svc, "redis").first == health_status::degraded; }));
    const auto reason = health_of(r.s.svc, "redis").second;
    EXPECT_NE(reason.find("AUTH"), std::string::npos) << reason;
    EXPECT_EQ(reason.find("wrong-secret-7"), std::string::npos) << reason;
    const auto api = r.api_status().dump();
    EXPECT_EQ(api.find("wrong-secret-7"), std::string::npos) << api;
    EXPECT_NE(api.find("AUTH"), std::string::npos) << api;
    EXPECT_EQ(r.s.h->stop(), 0);
  }
  redis_service r(dir, fmt::format("redis://:right-secret-9@127.0.0.1:{}/0", redis.port()));
  ASSERT_TRUE(r.up);
  redis_client c(redis.port(), "right-secret-9");
  ASSERT_TRUE(eventually([&] { return c.xlen("alerts") == 20; })) << c.xlen("alerts").value_or(-1);
  EXPECT_EQ(keys_of(c.entries("alerts")), r.stored_keys());
  EXPECT_EQ(r.s.h->stop(), 0);
}

TEST(vigil_redis, urls_parse_and_configuration_errors_never_repeat_the_password) {
  const auto e = delivery::redis_endpoint::parse("redis://alice:p%40ss@cache.local:6380/2");
  EXPECT_EQ(e.user, "alice");
  EXPECT_EQ(e.password, "p@ss");
  EXPECT_EQ(e.host, "cache.local");
  EXPECT_EQ(e.port, 6380);
  EXPECT_EQ(e.db, 2);
  EXPECT_EQ(e.describe(), "cache.local:6380/2");
  const auto plain = delivery::redis_endpoint::parse("redis://10.0.0.5");
  EXPECT_EQ(plain.port, 6379);
  EXPECT_TRUE(plain.password.empty());
  EXPECT_EQ(delivery::redis_endpoint::parse("redis://:only-pw@h:1/").password, "only-pw");

  // Each malformed URL carries the password "hunter2-secret", given as production gives it (the
  // environment, from a Secret); the configuration check names the key and the cause, never the password.
  for (const std::string url : {"http://:hunter2-secret@h:6379/0", "redis://:hunter2-secret@h:99999/0",
                                "redis://:hunter2-secret@h:6379/zero", "redis://:hunter2-secret@:6379/0",
                                "redis://:hunter2-secret%zz@h/0"}) {
    SCOPED_TRACE(url);
    temp_dir dir;
    auto o = quiet({"db.url=sqlite://" + (dir / "v.db").string()});
    o.read_environment = true;
    ::setenv("VIGIL__REDIS__URL", url.c_str(), 1);
    lifespan::service svc("vigil", o);
    service::assemble(svc);
    const auto problems = svc.check();
    ::unsetenv("VIGIL__REDIS__URL");
    ASSERT_FALSE(problems.empty());
    std::string all;
    for (const auto& p : problems) all += p + "\n";
    EXPECT_NE(all.find("redis.url"), std::string::npos) << all;
    EXPECT_EQ(all.find("hunter2-secret"), std::string::npos) << all;
  }
}

}  // namespace
}  // namespace vigil::test
