// The per-service registry: one per service, shared by every area, with prometheus-cpp families and
// weakly held collectors; and the service-level metrics install() adds, read from a real run.
#include <gtest/gtest.h>

#include <prometheus/counter.h>
#include <fmt/format.h>
#include <prometheus/gauge.h>

#include "lifespan/metrics/registry.hpp"
#include "lifespan/testing/harness.hpp"

namespace lifespan::test {
namespace {

service_options quiet(std::vector<std::string> overrides = {}) {
  service_options o;
  o.own_signals = false;
  o.read_environment = false;
  o.install_logger = false;
  o.config_overrides = std::move(overrides);
  return o;
}

struct quick : component {
  void start(context&) override {}
};

bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos || text.rfind(line + "\n", 0) == 0;
}

TEST(Registry, IsOnePerServiceAndSharedByEveryCaller) {
  service a("a", quiet()), b("b", quiet());
  EXPECT_EQ(&metrics::of(a), &metrics::of(a));
  EXPECT_NE(&metrics::of(a), &metrics::of(b));
}

TEST(Registry, ExposesFamiliesAnotherAreaRegistersInTheTextFormat) {
  service svc("s", quiet());
  auto& family = prometheus::BuildCounter().Name("vigil_rows_written_total").Help("Rows written").Register(metrics::of(svc).families());
  family.Add({{"table", "alerts"}}).Increment(3);
  const auto text = metrics::of(svc).text();
  EXPECT_TRUE(has_line(text, "# TYPE vigil_rows_written_total counter")) << text;
  EXPECT_TRUE(has_line(text, R"(vigil_rows_written_total{table="alerts"} 3)")) << text;
}

class fixed_collector : public prometheus::Collectable {
 public:
  std::vector<prometheus::MetricFamily> Collect() const override {
    prometheus::ClientMetric m;
    m.gauge.value = 42;
    return {{"pool_connections", "Open pool connections", prometheus::MetricType::Gauge, {m}}};
  }
};

TEST(Registry, CollectsACollectorOnlyWhileItLives) {
  service svc("s", quiet());
  auto c = std::make_shared<fixed_collector>();
  metrics::of(svc).add(c);
  EXPECT_TRUE(has_line(metrics::of(svc).text(), "pool_connections 42"));
  c.reset();
  EXPECT_EQ(metrics::of(svc).text().find("pool_connections"), std::string::npos);
}

TEST(ServiceMetrics, ReportStateComponentsStartDurationsAndShutdownPhases) {
  service svc("shop", quiet({"shutdown.readiness_delay=0s"}));
  svc.add<quick>("db");
  svc.add<quick>("cache").background();
  metrics::install(svc);
  metrics::install(svc);  // a second call changes nothing (no duplicate families)
  testing::harness h(svc);
  h.start();
  ASSERT_TRUE(h.wait_for_state(service_state::running));
  const auto text = metrics::of(svc).text();
  EXPECT_TRUE(has_line(text, R"(lifespan_service_info{service="shop"} 1)")) << text;
  EXPECT_TRUE(has_line(text, R"(lifespan_service_state{state="RUNNING"} 1)")) << text;
  EXPECT_TRUE(has_line(text, R"(lifespan_service_state{state="STARTING"} 0)")) << text;
  EXPECT_TRUE(has_line(text, "lifespan_service_ready 1")) << text;
  EXPECT_TRUE(has_line(text, R"(lifespan_component_state{component="db",state="up"} 1)")) << text;
  EXPECT_TRUE(has_line(text, R"(lifespan_component_health{component="cache",health="ok"} 1)")) << text;
  EXPECT_NE(text.find(R"(lifespan_component_startup_duration_seconds{component="db"} )"), std::string::npos) << text;
  EXPECT_NE(text.find("lifespan_uptime_seconds "), std::string::npos);
  EXPECT_NE(text.find("lifespan_startup_ready_seconds "), std::string::npos);
  EXPECT_EQ(text.find("# TYPE lifespan_service_state gauge"), text.rfind("# TYPE lifespan_service_state gauge"));
  EXPECT_EQ(text.find("lifespan_shutdown_phase_duration_seconds{"), std::string::npos);  // no shutdown yet

  EXPECT_EQ(h.stop(), exit_ok);
  const auto after = metrics::of(svc).text();
  for (const char* phase : {"readiness_delay", "drain", "stop"})
    EXPECT_NE(after.find(fmt::format(R"(lifespan_shutdown_phase_duration_seconds{{phase="{}"}} )", phase)), std::string::npos)
        << after;
  EXPECT_TRUE(has_line(after, R"(lifespan_service_state{state="STOPPED"} 1)")) << after;
}

TEST(ServiceMetrics, InstallAfterRunIsRejected) {
  service svc("s", quiet());
  svc.add<quick>("db");
  testing::harness h(svc);
  h.start();
  ASSERT_TRUE(h.wait_for_state(service_state::running));
  EXPECT_THROW(metrics::install(svc), std::logic_error);
  EXPECT_EQ(h.stop(), exit_ok);
}

}  // namespace
}  // namespace lifespan::test
