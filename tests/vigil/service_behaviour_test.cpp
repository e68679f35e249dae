// The behaviour windows inside the real service: the tracked-client bound comes from configuration
// (pipeline.behaviour_max_clients) and holds under many distinct clients; a bad bound is refused
// before anything starts.
#include "service_fixture.hpp"

namespace vigil::test {
namespace {

TEST(vigil_serve_behaviour, the_configured_client_bound_holds_under_many_distinct_clients) {
  temp_dir dir;
  const auto log = dir / "access.log";
  append(log, log_lines(0, 20'000, 0));  // 20,000 lines, each from its own client, no attack
  service_under_test s(dir, {log.string()}, {"pipeline.behaviour_max_clients=1000"});
  ASSERT_TRUE(s.up);
  ASSERT_TRUE(s.wait_stored(20'000)) << s.pipeline().stats().lines_stored;
  const auto st = s.pipeline().stats();
  EXPECT_EQ(st.behaviour_clients, 1000u);
  EXPECT_EQ(st.behaviour_evicted, 19'000u);
  EXPECT_EQ(st.alerts_stored, 0u);
  EXPECT_EQ(s.h->stop(), 0);
}

TEST(vigil_serve_behaviour, an_invalid_client_bound_is_a_configuration_error) {
  temp_dir dir;
  lifespan::service svc("vigil", quiet({"db.url=sqlite://" + (dir / "vigil.db").string(),
                                        "pipeline.behaviour_max_clients=0"}));
  service::assemble(svc);
  std::string about_bound;
  for (const auto& p : svc.check())
    if (p.find("behaviour_max_clients") != std::string::npos) about_bound = p;
  EXPECT_NE(about_bound.find("pipeline.behaviour_max_clients"), std::string::npos) << about_bound;
  EXPECT_NE(about_bound.find("between 1 and"), std::string::npos) << about_bound;
}

}  // namespace
}  // namespace vigil::test

namespace vigil::test {
namespace {

std::string not_found_from(const std::string& client, int i) {
  return client + " - - [28/Nov/2026:12:00:" + (i < 10 ? "0" : "") + std::to_string(i) +
         " +0000] \"GET /missing/" + std::to_string(i) + " HTTP/1.1\" 404 10 \"-\" \"Mozilla/5.0\"\n";
}

TEST(vigil_serve_behaviour, the_windows_thresholds_come_from_the_configuration) {
  temp_dir dir;
  const auto log = dir / "access.log";
  std::string text;
  for (int i = 0; i < 3; ++i) text += not_found_from("203.0.113.5", i);  // under the default 20
  append(log, text);
  service_under_test s(dir, {log.string()},
                       {"pipeline.behaviour_windows.not_found.threshold=3", "pipeline.behaviour_windows.not_found.window=60s"});
  ASSERT_TRUE(s.up);
  ASSERT_TRUE(s.wait_stored(3));
  service::alert_query q;
  q.category = "not_found_burst";
  const auto page = s.alerts().query(q);
  ASSERT_EQ(page.alerts.size(), 1u);
  EXPECT_EQ(page.alerts.front().client, "203.0.113.5");
  EXPECT_EQ(s.h->stop(), 0);
}

TEST(vigil_serve_behaviour, a_bad_window_is_a_configuration_error_naming_the_key) {
  temp_dir dir;
  lifespan::service svc("vigil", quiet({"db.url=sqlite://" + (dir / "vigil.db").string(),
                                        "pipeline.behaviour_windows.flood.threshold=0",
                                        "pipeline.behaviour_windows.flood.window=0s"}));
  service::assemble(svc);
  std::string problems;
  for (const auto& p : svc.check()) problems += p + "\n";
  EXPECT_NE(problems.find("pipeline.behaviour_windows.flood.threshold"), std::string::npos) << problems;
  EXPECT_NE(problems.find("pipeline.behaviour_windows.flood.window"), std::string::npos) << problems;
}

}  // namespace
}  // namespace vigil::test
