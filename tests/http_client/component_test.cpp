// The client as a lifespan component: its configuration section (typed keys, range checks, unknown
// keys with a suggestion) and its counters on the service's Prometheus registry.
#include "fixture.hpp"
#include "lifespan/metrics/registry.hpp"

namespace lifespan::http_client::testing {
namespace {

std::vector<std::string> problems(std::vector<std::string> overrides) {
  service_options o;
  o.own_signals = false;
  o.read_environment = false;
  o.install_logger = false;
  o.config_overrides = std::move(overrides);
  service svc("hooks", std::move(o));
  svc.add<client>("http_client");
  return svc.check();
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

TEST(HttpClientComponent, ReadsEveryKeyOfItsSection) {
  running_client rc({"http_client.max_connections=8", "http_client.max_host_connections=2",
                     "http_client.queue_capacity=64", "http_client.connect_timeout=750ms", "http_client.timeout=3s",
                     "http_client.max_attempts=5", "http_client.backoff_initial=50ms", "http_client.backoff_max=2s",
                     "http_client.retry_after_max=10s", "http_client.retry_budget_percent=50",
                     "http_client.retry_budget_min=2", "http_client.max_response_bytes=4096",
                     "http_client.user_agent=agent/2"});
  const auto& o = rc.get().config();
  EXPECT_EQ(o.max_connections, 8);
  EXPECT_EQ(o.max_host_connections, 2);
  EXPECT_EQ(o.queue_capacity, 64u);
  EXPECT_EQ(o.connect_timeout, 750ms);
  EXPECT_EQ(o.timeout, 3s);
  EXPECT_EQ(o.max_attempts, 5);
  EXPECT_EQ(o.backoff_initial, 50ms);
  EXPECT_EQ(o.backoff_max, 2s);
  EXPECT_EQ(o.retry_after_max, 10s);
  EXPECT_DOUBLE_EQ(o.retry_budget_percent, 50.0);
  EXPECT_EQ(o.retry_budget_min, 2);
  EXPECT_EQ(o.max_response_bytes, 4096u);
  EXPECT_EQ(o.user_agent, "agent/2");
}

TEST(HttpClientComponent, BadKeysAndValuesAreReportedBeforeAnythingStarts) {
  EXPECT_TRUE(problems({}).empty()) << joined(problems({}));
  const auto typo = joined(problems({"http_client.max_conections=4"}));
  EXPECT_NE(typo.find("http_client.max_conections"), std::string::npos) << typo;
  EXPECT_NE(typo.find("max_connections"), std::string::npos) << typo;  // the suggestion
  const auto range = joined(problems({"http_client.max_host_connections=32", "http_client.max_attempts=0",
                                      "http_client.queue_capacity=0", "http_client.timeout=soon"}));
  EXPECT_NE(range.find("http_client.max_host_connections: must be between 1 and max_connections"), std::string::npos) << range;
  EXPECT_NE(range.find("http_client.max_attempts"), std::string::npos) << range;
  EXPECT_NE(range.find("http_client.queue_capacity"), std::string::npos) << range;
  EXPECT_NE(range.find("http_client.timeout"), std::string::npos) << range;
  const auto backoff = joined(problems({"http_client.backoff_initial=2s", "http_client.backoff_max=1s"}));
  EXPECT_NE(backoff.find("backoff_max: must not be shorter than backoff_initial"), std::string::npos) << backoff;
}

TEST(HttpClientComponent, CountersArePrometheusMetricsLabelledWithTheComponent) {
  receiver hook([](const received&, std::size_t i) { return i == 0 ? reply::status_only(503) : reply::ok(); });
  running_client rc({"http_client.backoff_initial=10ms"});
  ASSERT_TRUE(call(rc.get(), request::post(hook.url(), "{}")).ok());
  const auto text = metrics::of(rc.svc()).text();
  EXPECT_NE(text.find("lifespan_http_client_submitted_total{client=\"http_client\"} 1"), std::string::npos) << text;
  EXPECT_NE(text.find("lifespan_http_client_completed_total{client=\"http_client\"} 1"), std::string::npos) << text;
  EXPECT_NE(text.find("lifespan_http_client_retries_total{client=\"http_client\"} 1"), std::string::npos) << text;
  EXPECT_NE(text.find("lifespan_http_client_held{client=\"http_client\"} 0"), std::string::npos) << text;
  EXPECT_NE(text.find("lifespan_http_client_connections_opened_total{client=\"http_client\"}"), std::string::npos);
}

TEST(HttpClientComponent, TwoClientsShareEachFamilyWithASeriesEach) {
  service_options o;
  o.own_signals = false;
  o.read_environment = false;
  o.install_logger = false;
  service svc("hooks", std::move(o));
  svc.add<client>("alerts_http", &svc);
  svc.add<client>("audit_http", &svc);
  lifespan::testing::harness h(svc);
  h.start();
  ASSERT_TRUE(h.wait_for_state(service_state::running));
  const auto text = metrics::of(svc).text();
  std::size_t helps = 0;
  for (auto at = text.find("# HELP lifespan_http_client_held "); at != std::string::npos;
       at = text.find("# HELP lifespan_http_client_held ", at + 1))
    ++helps;
  EXPECT_EQ(helps, 1u) << text;
  EXPECT_NE(text.find("lifespan_http_client_held{client=\"alerts_http\"} 0"), std::string::npos) << text;
  EXPECT_NE(text.find("lifespan_http_client_held{client=\"audit_http\"} 0"), std::string::npos) << text;
  h.stop();
}

TEST(HttpClientComponent, SubmitBeforeStartIsRefused) {
  client c(client::options{});
  EXPECT_EQ(c.submit(request::get("http://127.0.0.1:1/"), [](response) {}), submit_status::not_running);
  const auto r = c.fetch(request::get("http://127.0.0.1:1/")).get();
  EXPECT_EQ(r.outcome, outcome::rejected);
  EXPECT_NE(r.error.find("not running"), std::string::npos) << r.error;
  EXPECT_EQ(c.stats().rejected, 2u);
}

}  // namespace
}  // namespace lifespan::http_client::testing
