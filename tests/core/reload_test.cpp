// Reload (SIGHUP, request_reload()): components that support it get the new section; one that does not
// is reported only when its section differs from the one it started on, since it runs on that until
// restarted.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "lifespan/testing/harness.hpp"
#include "scripted.hpp"

namespace lifespan::test {
namespace {

TEST(Reload, AComponentThatCannotReloadIsReportedOnlyWhileItsSectionDiffersFromTheOneItStartedOn) {
  const std::string path = ::testing::TempDir() + "/lifespan-reload.yaml";
  std::ofstream(path) << "db:\n  start_timeout: 5s\ncache: {stop_timeout: 2s}\n";
  service_options o = quiet_options();
  o.config_file = path;
  service svc{"t", o};
  auto j = std::make_shared<journal>();
  add_scripted(svc, j, "db");
  add_scripted(svc, j, "cache");
  testing::harness h(svc);
  h.start();
  ASSERT_TRUE(h.wait_for_state(service_state::running));

  std::size_t reloads = 0;
  const auto reload = [&] {
    svc.request_reload();
    ++reloads;
    EXPECT_TRUE(h.wait_for([&](const std::vector<lifecycle_event>& events) {
      return static_cast<std::size_t>(std::count_if(events.begin(), events.end(), [](const auto& e) {
               return e.kind == event_kind::reload_finished;
             })) >= reloads;
    }));
    std::string detail;
    for (const auto& e : h.events())
      if (e.kind == event_kind::reload_finished) detail = e.detail;
    return detail;
  };
  // Same content, written differently (flow style, other spacing): nothing to report.
  std::ofstream(path) << "db: {start_timeout: 5s}\ncache:\n  stop_timeout: 2s\n";
  EXPECT_EQ(reload(), "");

  std::ofstream(path) << "db: {start_timeout: 6s}\ncache: {stop_timeout: 2s}\n";
  auto detail = reload();
  EXPECT_NE(detail.find("db: does not support reload; restart to apply"), std::string::npos) << detail;
  EXPECT_EQ(detail.find("cache"), std::string::npos) << detail;

  // Back to what it started on: nothing to report again.
  std::ofstream(path) << "db: {start_timeout: 5s}\ncache: {stop_timeout: 2s}\n";
  EXPECT_EQ(reload(), "");
  EXPECT_EQ(h.stop(), 0);
}

}  // namespace
}  // namespace lifespan::test
