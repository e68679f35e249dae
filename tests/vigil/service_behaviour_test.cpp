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
