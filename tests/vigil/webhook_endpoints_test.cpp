// Several webhook endpoints (webhooks.<name>), each with its own component, relay, lease and backlog,
// against real receivers on loopback (tests/vigil/webhook_receiver.hpp): a hung endpoint holds back
// neither the healthy one nor the pipeline and gets its whole backlog when it recovers; a dead one is
// bounded on its own; removed endpoints stop queueing; bad names and URLs are clear errors.
#include <fstream>

#include <nlohmann/json.hpp>

#include "delivery/webhook_delivery.hpp"
#include "delivery_fixture.hpp"
#include "lifespan/http/server.hpp"
#include "vigil_process.hpp"
#include "webhook_receiver.hpp"

namespace vigil::test {
namespace {

using lifespan::health_status;

struct grabbed {
  std::atomic<delivery::webhook_delivery*> first{nullptr}, second{nullptr};
  std::atomic<int> port{0};
};
struct grab_endpoints : lifespan::component {
  grab_endpoints(std::shared_ptr<grabbed> g, std::string first, std::string second)
      : g_(std::move(g)), first_(std::move(first)), second_(std::move(second)) {}
  void start(lifespan::context& ctx) override {
    g_->first = &ctx.get<delivery::webhook_delivery>("webhooks." + first_);
    g_->second = &ctx.get<delivery::webhook_delivery>("webhooks." + second_);
    g_->port = ctx.get<lifespan::http::server>().port();
  }
  void stop(lifespan::time_point) override {
    g_->first = nullptr;
    g_->second = nullptr;
  }
  std::shared_ptr<grabbed> g_;
  std::string first_, second_;
};

// The service with two endpoints, `first` and `second`, on quick retries and a short timeout.
struct two_endpoints {
  two_endpoints(const temp_dir& dir, const std::string& first, const std::string& first_url, const std::string& second,
                const std::string& second_url, std::vector<std::string> extra = {})
      : log(dir / "access.log"),
        s(dir, {log.string()}, overrides({{first, first_url}, {second, second_url}}, std::move(extra)),
          [&](lifespan::service& svc) {
            svc.add<grab_endpoints>("grab_endpoints", g, first, second)
                .background()
                .depends_on("webhooks." + first)
                .depends_on("webhooks." + second)
                .depends_on<lifespan::http::server>();
          }) {
    up = s.up && s.h->wait_for_event(lifespan::event_kind::component_up, "grab_endpoints", 30s);
  }
  static std::vector<std::string> overrides(const std::vector<std::pair<std::string, std::string>>& endpoints,
                                            std::vector<std::string> extra) {
    std::vector<std::string> out;
    for (const auto& [name, url] : endpoints) {
      const auto section = "webhooks." + name;
      for (auto& o : fast_relay(section)) out.push_back(std::move(o));
      for (const char* o : {".timeout=300ms", ".connect_timeout=1s", ".batch_size=10"}) out.push_back(section + o);
      out.push_back(section + ".url=" + url);
    }
    out.insert(out.end(), extra.begin(), extra.end());
    return out;
  }
  delivery::relay_status first() { return g->first.load()->delivery().value(); }
  delivery::relay_status second() { return g->second.load()->delivery().value(); }
  nlohmann::json api_status() { return nlohmann::json::parse(http_get(g->port, "/api/status")); }
  std::string metrics() { return http_get(g->port, "/metrics"); }
  std::vector<std::string> stored_keys() { return test::stored_keys(s.alerts()); }

  std::filesystem::path log;
  std::shared_ptr<grabbed> g = std::make_shared<grabbed>();
  service_under_test s;
  bool up = false;
};

// A loopback port nobody listens on (bound, then closed): connections to it are refused.
std::string refused_url() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  (void)!::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  (void)!::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return fmt::format("http://127.0.0.1:{}/hook", ntohs(a.sin_port));
}

TEST(vigil_webhooks, a_hung_endpoint_holds_back_neither_the_healthy_one_nor_the_pipeline_and_gets_its_backlog_later) {
  temp_dir dir;
  hook healthy, hung;
  hung.behaviour = mode::hang;
  two_endpoints w(dir, "siem", healthy.r.url(), "pager", hung.r.url());
  ASSERT_TRUE(w.up);

  append(w.log, log_lines(0, 400, 8));  // 50 alerts
  ASSERT_TRUE(hung.r.wait_for_requests(1));
  ASSERT_TRUE(w.s.wait_stored(400));  // the pipeline does not wait for either endpoint
  ASSERT_TRUE(eventually([&] { return healthy.accepted_keys().size() == 50; })) << healthy.accepted_keys().size();
  EXPECT_EQ(healthy.accepted_keys(), w.stored_keys());

  // The hung endpoint alone is degraded, its reason naming it; the healthy one stays ok.
  ASSERT_TRUE(eventually([&] {
    const auto [health, why] = health_of(w.s.svc, "webhooks.pager");
    return health == health_status::degraded && why.find("timed out") != std::string::npos;
  })) << health_of(w.s.svc, "webhooks.pager").second;
  EXPECT_NE(health_of(w.s.svc, "webhooks.pager").second.find(
                fmt::format("webhook pager POST http://127.0.0.1:{}/hook", hung.r.port())),
            std::string::npos)
      << health_of(w.s.svc, "webhooks.pager").second;
  EXPECT_EQ(health_of(w.s.svc, "webhooks.siem").first, health_status::ok) << health_of(w.s.svc, "webhooks.siem").second;

  // More alerts while it still hangs: the healthy endpoint gets them too, the hung one queues them.
  append(w.log, log_lines(400, 800, 8, "b"));
  ASSERT_TRUE(w.s.wait_stored(800));
  ASSERT_TRUE(eventually([&] { return healthy.accepted_keys().size() == 100; })) << healthy.accepted_keys().size();
  EXPECT_EQ(healthy.accepted_keys(), w.stored_keys());
  EXPECT_TRUE(hung.accepted_keys().empty());
  ASSERT_TRUE(eventually([&] { return w.second().backlog == 100; })) << w.second().backlog;

  // Each endpoint on its own in /api/status and /metrics.
  const auto status = w.api_status();
  ASSERT_TRUE(status["delivery"].contains("webhook:siem")) << status.dump();
  ASSERT_TRUE(status["delivery"].contains("webhook:pager")) << status.dump();
  EXPECT_EQ(status["delivery"]["webhook:siem"]["delivered"], 100);
  EXPECT_EQ(status["delivery"]["webhook:pager"]["delivered"], 0);
  EXPECT_EQ(status["delivery"]["webhook:pager"]["failing"], true);
  EXPECT_EQ(status["delivery"]["webhook:pager"]["backlog"], 100);
  const auto metrics = w.metrics();
  EXPECT_NE(metrics.find("vigil_delivery_delivered_total{sink=\"webhook:siem\"} 100"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("vigil_delivery_backlog{sink=\"webhook:pager\"} 100"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("vigil_delivery_failing{sink=\"webhook:pager\"} 1"), std::string::npos) << metrics;

  // Recovery: the backlog arrives in order, each alert accepted once (the hung POSTs were never
  // answered 2xx, so they were sent again: at-least-once, per endpoint).
  hung.behaviour = mode::accept;
  ASSERT_TRUE(eventually([&] { return w.second().delivered == 100 && w.second().backlog == 0; }))
      << delivery::to_json(w.second()).dump();
  EXPECT_EQ(hung.accepted_keys(), w.stored_keys());
  EXPECT_EQ(healthy.accepted_keys(), w.stored_keys());  // nothing sent to the healthy one twice
  ASSERT_TRUE(eventually([&] { return health_of(w.s.svc, "webhooks.pager").first == health_status::ok; }));
  EXPECT_EQ(w.first().skipped + w.second().skipped, 0u);
  EXPECT_EQ(w.s.h->stop(), 0);
}

TEST(vigil_webhooks, each_endpoint_bounds_its_own_backlog) {
  temp_dir dir;
  hook healthy;
  two_endpoints w(dir, "ok_one", healthy.r.url(), "dead", refused_url(), {"webhooks.dead.max_backlog=10"});
  ASSERT_TRUE(w.up);
  append(w.log, log_lines(0, 400, 8));  // 50 alerts
  ASSERT_TRUE(w.s.wait_stored(400));
  ASSERT_TRUE(eventually([&] { return healthy.accepted_keys().size() == 50; })) << healthy.accepted_keys().size();
  EXPECT_EQ(healthy.accepted_keys(), w.stored_keys());
  ASSERT_TRUE(eventually([&] { return w.second().skipped == 40 && w.second().backlog == 10; }))
      << delivery::to_json(w.second()).dump();
  EXPECT_EQ(w.first().skipped, 0u);  // the bound of one endpoint is not another's
  EXPECT_TRUE(eventually([&] { return health_of(w.s.svc, "webhooks.dead").first == health_status::degraded; }));
  EXPECT_EQ(health_of(w.s.svc, "webhooks.ok_one").first, health_status::ok);
  EXPECT_EQ(w.s.h->stop(), 0);
}

TEST(vigil_webhooks, an_endpoint_removed_from_the_configuration_stops_queueing_at_the_next_start) {
  temp_dir dir;
  const auto sinks = [&] {
    sqlite_reader db(dir / "vigil.db");
    return db.number("SELECT COUNT(*) FROM vigil_delivery_sinks WHERE name = 'webhook:gone'");
  };
  const auto rows = [&] {
    sqlite_reader db(dir / "vigil.db");
    return db.number("SELECT COUNT(*) FROM vigil_delivery_outbox WHERE sink = 'webhook:gone'");
  };
  hook healthy;
  {
    two_endpoints w(dir, "kept", healthy.r.url(), "gone", refused_url());
    ASSERT_TRUE(w.up);
    append(w.log, log_lines(0, 80, 8));
    ASSERT_TRUE(w.s.wait_stored(80));
    ASSERT_TRUE(eventually([&] { return healthy.accepted_keys().size() == 10; }));
    EXPECT_EQ(w.s.h->stop(), 0);
  }
  EXPECT_EQ(sinks(), 1);
  EXPECT_EQ(rows(), 10);
  {
    service_under_test s(dir, {(dir / "access.log").string()}, {"webhooks.kept.url=" + healthy.r.url()});
    ASSERT_TRUE(s.up);
    ASSERT_TRUE(eventually([&] { return sinks() == 0 && rows() == 0; }));
    EXPECT_EQ(health_of(s.svc, "webhooks").first, health_status::ok);
    EXPECT_EQ(s.h->stop(), 0);
  }
}

// `vigil check-config` reads the layout the same way: every problem found, one per line.
std::string problems_of(const std::filesystem::path& config, std::vector<std::string> set = {}) {
  set.push_back("db.url=sqlite://" + (config.parent_path() / "v.db").string());
  set.push_back("models.root=" + (config.parent_path() / "models").string());
  auto options = quiet(set);
  options.config_file = config;
  lifespan::service svc("vigil", options);
  service::assemble(svc, service::read_layout({.config = config, .set = set}, false));
  std::string all;
  for (const auto& p : svc.check()) all += p + "\n";
  return all;
}

std::filesystem::path write_config(const temp_dir& dir, const std::string& yaml) {
  const auto path = dir / "vigil.yaml";
  std::ofstream(path) << yaml;
  return path;
}

TEST(vigil_webhooks, bad_endpoint_names_duplicates_and_urls_are_clear_errors_naming_the_key) {
  temp_dir dir;
  EXPECT_EQ(problems_of(write_config(dir, "webhooks:\n"
                                          "  siem: {url: 'http://127.0.0.1:9/a', batch_size: 5}\n"
                                          "  pager_2: {url: 'https://hooks.example/b', enabled: false}\n"
                                          "  stop_timeout: 3s\n")),
            "");

  auto all = problems_of(write_config(dir, "webhooks:\n"
                                           "  siem: {url: 'http://127.0.0.1:9/a'}\n"
                                           "  siem: {url: 'http://127.0.0.1:9/b'}\n"));
  EXPECT_NE(all.find("duplicate key 'siem'"), std::string::npos) << all;
  EXPECT_NE(all.find("line 2"), std::string::npos) << all;  // where the first one is

  all = problems_of(write_config(dir, "webhooks:\n"
                                      "  Siem-EU: {url: 'http://127.0.0.1:9/a'}\n"
                                      "  2nd: {url: 'http://127.0.0.1:9/b'}\n"
                                      "  plain: 'http://127.0.0.1:9/c'\n"));
  EXPECT_NE(all.find("webhooks.Siem-EU: 'Siem-EU' cannot name a webhook endpoint"), std::string::npos) << all;
  EXPECT_NE(all.find("webhooks.2nd: '2nd' cannot name a webhook endpoint: must start with a lower-case letter"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("webhooks.plain: a webhook endpoint must be a section"), std::string::npos) << all;
  EXPECT_EQ(all.find("unknown"), std::string::npos) << all;  // each reported once, for what it is

  all = problems_of(write_config(dir, "webhooks: {siem: {url: 'ftp://u:hunter2-secret@h/x'}, pager: {timeout: 2s}}\n"));
  EXPECT_NE(all.find("webhooks.siem.url: must start with http:// or https://"), std::string::npos) << all;
  EXPECT_NE(all.find("webhooks.pager.url: is required"), std::string::npos) << all;
  EXPECT_NE(all.find("VIGIL__WEBHOOKS__PAGER__URL"), std::string::npos) << all;
  EXPECT_EQ(all.find("hunter2-secret"), std::string::npos) << all;

  all = problems_of(write_config(dir, "webhooks: {siem: {url: 'http://h/a', bacth_size: 5}}\n"));
  EXPECT_NE(all.find("webhooks.siem.bacth_size"), std::string::npos) << all;
  EXPECT_NE(all.find("batch_size"), std::string::npos) << all;  // the suggestion
}

TEST(vigil_webhooks, endpoints_come_from_every_configuration_source_and_name_their_components) {
  temp_dir dir;
  const auto config = write_config(dir, "webhooks: {siem: {url: 'http://127.0.0.1:9/a'}}\n");
  const auto l = service::read_layout({.config = config, .set = {"webhooks.pager.url=http://127.0.0.1:9/b"}}, false);
  EXPECT_EQ(l.webhook_endpoints, (std::vector<std::string>{"siem", "pager"}));
  EXPECT_EQ(problems_of(config, {"webhooks.pager.url=http://127.0.0.1:9/b"}), "");
  // The environment too (VIGIL__WEBHOOKS__<NAME>__<KEY>, as a Kubernetes Secret would give a token).
  ::setenv("VIGIL__WEBHOOKS__FROM_ENV__URL", "http://127.0.0.1:9/c", 1);
  const auto with_env = service::read_layout({.config = config}, true);
  ::unsetenv("VIGIL__WEBHOOKS__FROM_ENV__URL");
  EXPECT_EQ(with_env.webhook_endpoints, (std::vector<std::string>{"siem", "from_env"}));

  auto options = quiet({"db.url=sqlite://" + (dir / "v.db").string(), "models.root=" + (dir / "models").string()});
  options.config_file = config;
  lifespan::service full("vigil", options);
  service::assemble(full, service::read_layout({.config = config}, false));
  const auto full_graph = full.graph_json().dump();
  EXPECT_NE(full_graph.find("\"webhooks.siem\""), std::string::npos) << full_graph;
}

// The real command line reads the endpoints before assembling (else every endpoint key would be
// unknown), and reports a duplicate endpoint with exit code 2.
TEST(vigil_webhooks, vigil_check_config_assembles_the_endpoints_of_its_file) {
  temp_dir dir;
  int run = 0;
  const auto check = [&](const std::string& yaml) {
    const auto config = write_config(dir, yaml);
    const auto output = dir / fmt::format("check-{}.out", ++run);
    auto p = std::make_unique<vigil_process>(
        std::vector<std::string>{"check-config", "--config", config.string(), "--set",
                                 "db.url=sqlite://" + (dir / "v.db").string(), "--set",
                                 "models.root=" + (dir / "models").string()},
        output);
    const int status = p->wait();
    return std::pair{WIFEXITED(status) ? WEXITSTATUS(status) : -1, p->output()};
  };
  auto [ok, ok_out] = check("webhooks:\n  siem: {url: 'https://siem.example/in', batch_size: 200}\n"
                            "  pager: {url: 'https://pager.example/hook', batch_size: 1, stop_timeout: 2s}\n");
  EXPECT_EQ(ok, 0) << ok_out;
  auto [bad, bad_out] = check("webhooks:\n  siem: {url: 'https://siem.example/in'}\n  siem: {url: 'https://x.example/'}\n");
  EXPECT_EQ(bad, 2) << bad_out;
  EXPECT_NE(bad_out.find("duplicate key 'siem'"), std::string::npos) << bad_out;
}

// SIGHUP: an unchanged endpoint reports nothing; a changed one, or a changed set of endpoints, says
// that applying it takes a restart (naming the component), and delivery goes on as configured.
TEST(vigil_webhooks, a_reload_names_the_endpoint_changes_that_take_a_restart) {
  temp_dir dir;
  hook h;
  const auto config = write_config(dir, "webhooks: {siem: {url: '" + h.r.url() + "', timeout: 2s}}\n");
  service_under_test s(dir, {(dir / "access.log").string()}, fast_relay("webhooks.siem"), {}, config);
  ASSERT_TRUE(s.up);
  std::size_t reloads = 0;
  const auto reload = [&] {
    s.svc.request_reload();
    ++reloads;
    EXPECT_TRUE(s.h->wait_for([&](const std::vector<lifespan::lifecycle_event>& events) {
      return static_cast<std::size_t>(std::count_if(events.begin(), events.end(), [](const auto& e) {
               return e.kind == lifespan::event_kind::reload_finished;
             })) >= reloads;
    }));
    std::string detail;
    for (const auto& e : s.h->events())
      if (e.kind == lifespan::event_kind::reload_finished) detail = e.detail;
    return detail;
  };
  auto detail = reload();
  EXPECT_EQ(detail.find("webhooks"), std::string::npos) << detail;

  write_config(dir, "webhooks: {siem: {url: '" + h.r.url() + "', timeout: 3s}}\n");
  detail = reload();
  EXPECT_NE(detail.find("webhooks.siem: does not support reload; restart to apply"), std::string::npos) << detail;

  write_config(dir, "webhooks: {siem: {url: '" + h.r.url() + "', timeout: 2s}, pager: {url: '" + h.r.url() + "'}}\n");
  detail = reload();
  EXPECT_NE(detail.find("webhooks: does not support reload; restart to apply"), std::string::npos) << detail;
  EXPECT_EQ(detail.find("webhooks.siem"), std::string::npos) << detail;

  append(dir / "access.log", log_lines(0, 80, 8));  // still delivering to siem alone
  ASSERT_TRUE(s.wait_stored(80));
  ASSERT_TRUE(eventually([&] { return h.accepted_keys().size() == 10; })) << h.accepted_keys().size();
  EXPECT_EQ(h.accepted_keys(), stored_keys(s.alerts()));
  EXPECT_EQ(s.h->stop(), 0);
}

}  // namespace
}  // namespace vigil::test
