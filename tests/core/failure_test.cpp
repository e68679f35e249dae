// Failures: critical rollback, timeouts, background retries with backoff, health, stop timeouts.
#include <gtest/gtest.h>

#include "lifespan/testing/harness.hpp"
#include "scripted.hpp"

namespace lifespan::test {
namespace {

using namespace std::chrono_literals;

std::string detail_of(const testing::harness& h, event_kind kind, const std::string& component) {
  for (const auto& e : h.events())
    if (e.kind == kind && e.component == component) return e.detail;
  return "<no such event>";
}

TEST(Failure, CriticalFailureCancelsInFlightStartsAndRollsBackEverythingStarted) {
  auto j = std::make_shared<journal>();
  service svc{"t", quiet_options()};
  add_scripted(svc, j, "db");
  add_scripted(svc, j, "slow", script{.hang_until_cancelled = true});
  add_scripted(svc, j, "auth", script{.fail_attempts = 1}).first.depends_on("db");
  add_scripted(svc, j, "api").first.depends_on("auth");
  testing::harness h{svc};
  h.start();
  ASSERT_EQ(h.join(), exit_startup_failed);
  EXPECT_EQ(svc.state(), service_state::error);
  EXPECT_EQ(j->count("cancelled:slow"), 1);  // its stop token fired
  for (const char* started : {"db", "slow", "auth"}) EXPECT_EQ(j->count(std::string("stop:") + started), 1) << started;
  EXPECT_EQ(j->count("start:api"), 0);
  EXPECT_EQ(j->count("stop:api"), 0);
  EXPECT_LT(j->index_of("stop:auth"), j->index_of("stop:db"));
  EXPECT_NE(detail_of(h, event_kind::component_failed, "auth").find("scripted failure 1"), std::string::npos);
}

TEST(Failure, StartTimeoutIsAFailureAndTheTimedOutComponentIsStillStopped) {
  auto clock = std::make_shared<manual_clock>();
  auto j = std::make_shared<journal>();
  service svc{"t", quiet_options(clock)};
  add_scripted(svc, j, "db", script{.hang_until_cancelled = true}).first.start_timeout(2s);
  testing::harness h{svc};
  h.start();
  ASSERT_TRUE(h.wait_for_event(event_kind::component_starting, "db"));
  clock->advance(1s);
  EXPECT_EQ(svc.state(), service_state::initializing);
  clock->advance(1500ms);
  ASSERT_EQ(h.join(), exit_startup_failed);
  EXPECT_EQ(detail_of(h, event_kind::component_failed, "db"), "start timed out after 2s");
  EXPECT_EQ(j->count("stop:db"), 1);
}

TEST(Failure, StartupDeadlineAbortsNamingWhatIsStillStarting) {
  auto clock = std::make_shared<manual_clock>();
  auto j = std::make_shared<journal>();
  service_options o = quiet_options(clock);
  o.config_overrides = {"startup.deadline=3s"};
  service svc{"t", o};
  add_scripted(svc, j, "db", script{.hang_until_cancelled = true});
  add_scripted(svc, j, "api").first.depends_on("db");
  testing::harness h{svc};
  h.start();
  ASSERT_TRUE(h.wait_for_event(event_kind::component_starting, "db"));
  clock->advance(4s);
  ASSERT_EQ(h.join(), exit_startup_failed);
  const std::string why = detail_of(h, event_kind::warning, "");
  EXPECT_NE(why.find("startup deadline of 3s passed"), std::string::npos) << why;
  EXPECT_NE(why.find("starting: db"), std::string::npos) << why;
  EXPECT_NE(why.find("waiting: api (on db)"), std::string::npos) << why;
}

TEST(Failure, BackgroundFailureDegradesTheServiceAndIsRetriedUntilItRecovers) {
  auto clock = std::make_shared<manual_clock>();
  auto j = std::make_shared<journal>();
  service svc{"t", quiet_options(clock)};
  add_scripted(svc, j, "db");
  auto [b, s] = add_scripted(svc, j, "warmup", script{.fail_attempts = 2});
  b.background();
  testing::harness h{svc};
  h.start();
  ASSERT_TRUE(h.wait_for_state(service_state::running));
  EXPECT_TRUE(svc.is_ready());  // background failures never hold readiness
  EXPECT_TRUE(svc.is_degraded());
  // Each failure schedules a retry (after its instance was stopped); move the clock past each backoff.
  for (std::size_t retries = 1; retries <= 2; ++retries) {
    ASSERT_TRUE(h.wait_for([&](const std::vector<lifecycle_event>& events) {
      return std::count_if(events.begin(), events.end(), [](const lifecycle_event& e) {
               return e.kind == event_kind::warning && e.detail.starts_with("retrying start");
             }) >= static_cast<long>(retries);
    }));
    clock->advance(1s);
  }
  ASSERT_TRUE(h.wait_for_event(event_kind::component_recovered, "warmup"));
  EXPECT_FALSE(svc.is_degraded());
  h.stop();
  EXPECT_EQ(*s->starts, 3);
  // One stop per instance whose start was called: two failed attempts, one that came up.
  EXPECT_EQ(j->count("stop:warmup"), 3);
}

TEST(Failure, HealthCheckDegradesAndRecoversAComponent) {
  auto clock = std::make_shared<manual_clock>();
  auto j = std::make_shared<journal>();
  service svc{"t", quiet_options(clock)};
  auto [b, s] = add_scripted(svc, j, "db", script{.health = health_report::ok()});
  b.health_every(1s, 500ms);
  testing::harness h{svc};
  h.start();
  ASSERT_TRUE(h.wait_for_state(service_state::running));
  {
    std::lock_guard lock(*s->health_mutex);
    s->health = health_report::failed("connection refused");
  }
  clock->advance(1100ms);
  ASSERT_TRUE(h.wait_for_event(event_kind::component_degraded, "db"));
  EXPECT_EQ(detail_of(h, event_kind::component_degraded, "db"), "connection refused");
  EXPECT_TRUE(svc.is_degraded());
  auto st = svc.status();
  EXPECT_EQ(st.components[0].state, component_state::degraded);
  EXPECT_EQ(st.components[0].health, health_status::failed);
  EXPECT_EQ(st.components[0].reason, "connection refused");
  {
    std::lock_guard lock(*s->health_mutex);
    s->health = health_report::ok();
  }
  clock->advance(1100ms);
  ASSERT_TRUE(h.wait_for_event(event_kind::component_recovered, "db"));
  EXPECT_FALSE(svc.is_degraded());
  h.stop();
}

TEST(Failure, StopTimeoutIsReportedAndTheRestStillStops) {
  auto clock = std::make_shared<manual_clock>();
  auto j = std::make_shared<journal>();
  service svc{"t", quiet_options(clock)};
  add_scripted(svc, j, "db");
  auto [b, s] = add_scripted(svc, j, "api", script{.hang_stop = true});
  b.depends_on("db").stop_timeout(1s);
  testing::harness h{svc};
  h.start();
  ASSERT_TRUE(h.wait_for_state(service_state::running));
  svc.request_shutdown();
  ASSERT_TRUE(h.wait_for_event(event_kind::component_stopping, "api"));
  clock->advance(2s);
  ASSERT_EQ(h.join(), exit_stop_timed_out);
  *s->release = true;
  EXPECT_EQ(detail_of(h, event_kind::component_stopped, "api"), "stop timed out after 1s");
  EXPECT_EQ(j->count("stop:db"), 1);
}

TEST(Failure, ShutdownDuringStartupCancelsAndRollsBack) {
  auto j = std::make_shared<journal>();
  service svc{"t", quiet_options()};
  add_scripted(svc, j, "db");
  add_scripted(svc, j, "model", script{.hang_until_cancelled = true}).first.depends_on("db");
  testing::harness h{svc};
  h.start();
  ASSERT_TRUE(h.wait_for_event(event_kind::component_starting, "model"));
  EXPECT_EQ(h.stop(), exit_ok);
  EXPECT_EQ(svc.state(), service_state::stopped);
  EXPECT_EQ(j->count("cancelled:model"), 1);
  EXPECT_EQ(j->count("stop:model"), 1);
  EXPECT_LT(j->index_of("stop:model"), j->index_of("stop:db"));
}

TEST(Failure, SecondShutdownRequestSkipsTheReadinessDelay) {
  auto clock = std::make_shared<manual_clock>();
  auto j = std::make_shared<journal>();
  service_options o = quiet_options(clock);
  o.config_overrides = {"shutdown.readiness_delay=1h", "shutdown.grace_period=2h"};
  service svc{"t", o};
  add_scripted(svc, j, "db");
  testing::harness h{svc};
  h.start();
  ASSERT_TRUE(h.wait_for_state(service_state::running));
  svc.request_shutdown();
  ASSERT_TRUE(h.wait_for_state(service_state::stopping));
  EXPECT_FALSE(svc.is_ready());
  EXPECT_EQ(j->count("stop:db"), 0);  // still in the readiness delay: serving continues
  svc.request_shutdown();
  EXPECT_EQ(h.join(), exit_ok);
  EXPECT_EQ(j->count("stop:db"), 1);
}

TEST(Failure, ReadinessIsNeverReportedOnceStoppingBegins) {
  auto j = std::make_shared<journal>();
  service svc{"t", quiet_options()};
  add_scripted(svc, j, "db");
  std::atomic<int> ready_while_stopping{0};
  svc.on_event([&](const lifecycle_event& e) {
    if (e.state == service_state::stopping && svc.is_ready()) ++ready_while_stopping;
  });
  testing::harness h{svc};
  h.start();
  ASSERT_TRUE(h.wait_for_state(service_state::running));
  h.stop();
  EXPECT_EQ(ready_while_stopping, 0);
}

TEST(Failure, BackgroundBlockedBehindAFailingDependencyDoesNotHoldStartupOpen) {
  auto clock = std::make_shared<manual_clock>();
  auto j = std::make_shared<journal>();
  service svc{"t", quiet_options(clock)};
  add_scripted(svc, j, "db");
  add_scripted(svc, j, "cache", script{.fail_attempts = 1}).first.background();
  add_scripted(svc, j, "warmer").first.background().depends_on("cache");
  testing::harness h{svc};
  h.start();
  // cache failed once and waits for its retry: warmer cannot start, yet startup is over.
  ASSERT_TRUE(h.wait_for_state(service_state::running));
  EXPECT_TRUE(svc.is_degraded());
  EXPECT_EQ(j->count("start:warmer"), 0);
  ASSERT_TRUE(h.wait_for_event(event_kind::warning, "cache"));  // "retrying start in ...": the timer is armed
  clock->advance(1min);  // past any retry backoff: cache comes up, then warmer
  ASSERT_TRUE(h.wait_for_event(event_kind::component_up, "warmer"));
  EXPECT_FALSE(svc.is_degraded());  // cache came up before warmer started
  EXPECT_EQ(h.stop(), exit_ok);
}

}  // namespace
}  // namespace lifespan::test
