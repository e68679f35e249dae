// Reload (SIGHUP, request_reload()): components that support it get the new section; one that does not
// is reported only when its section differs from the one it started on, since it runs on that until
// restarted.
#include <gtest/gtest.h>

#include <spdlog/sinks/ostream_sink.h>

#include <algorithm>
#include <fstream>
#include <mutex>
#include <sstream>

#include "core/logging.hpp"
#include "lifespan/testing/harness.hpp"
#include "scripted.hpp"

namespace lifespan::test {
namespace {

// Asks for one more reload and returns its reload_finished event, once it came.
lifecycle_event reload_and_wait(service& svc, testing::harness& h) {
  const auto finished = [](const std::vector<lifecycle_event>& events) {
    return static_cast<std::size_t>(std::count_if(events.begin(), events.end(), [](const auto& e) {
      return e.kind == event_kind::reload_finished;
    }));
  };
  const std::size_t before = finished(h.events());
  svc.request_reload();
  EXPECT_TRUE(h.wait_for([&](const std::vector<lifecycle_event>& events) { return finished(events) > before; }));
  lifecycle_event last{};
  for (const auto& e : h.events())
    if (e.kind == event_kind::reload_finished) last = e;
  return last;
}

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

  const auto reload = [&] { return reload_and_wait(svc, h).detail; };
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

// Applies `rules.version` on reload (as vigil's rules component does), keeping what it saw.
class reloading final : public component {
 public:
  struct options {};
  static options read_options(config::section& s) {
    (void)s.get<std::string>("version", "");
    return {};
  }
  reloading(options, std::shared_ptr<std::vector<std::string>> seen) : seen_(std::move(seen)) {}
  void start(context&) override {}
  bool reload(config::section& section) override {
    seen_->push_back(section.get<std::string>("version", ""));
    return true;
  }

 private:
  std::shared_ptr<std::vector<std::string>> seen_;
};

// A section that needs a restart (vigil's http.port) changes with one that reloads (the rules): the
// reload is not "rejected" while the rules were applied. The event and the log line say exactly
// which component applied it and which did not; only an invalid configuration is rejected whole.
TEST(Reload, ARestartOnlyChangeBesideAReloadableOneIsReportedAsAppliedAndNotApplied) {
  const std::string path = ::testing::TempDir() + "/lifespan-reload-partial.yaml";
  std::ofstream(path) << "rules: {version: '1'}\nhttp: {port: 8080}\n";
  service_options o = quiet_options();
  o.config_file = path;
  service svc{"t", o};
  auto seen = std::make_shared<std::vector<std::string>>();
  svc.add<reloading>("rules", seen);
  struct http final : component {
    struct options {
      std::int64_t port = 0;
    };
    static options read_options(config::section& s) { return {s.get<std::int64_t>("port", 0)}; }
    explicit http(options) {}
    void start(context&) override {}
  };
  svc.add<http>("http");
  auto log = std::make_shared<std::ostringstream>();
  auto logger = std::make_shared<spdlog::logger>("t", std::make_shared<spdlog::sinks::ostream_sink_mt>(*log));
  logger->set_pattern("%v");
  svc.on_event(detail::log_events(logger, false));
  testing::harness h(svc);
  h.start();
  ASSERT_TRUE(h.wait_for_state(service_state::running));

  const auto reload = [&] { return reload_and_wait(svc, h); };

  std::ofstream(path) << "rules: {version: '2'}\nhttp: {port: 9090}\n";
  auto e = reload();
  EXPECT_EQ(e.applied, std::vector<std::string>{"rules"});
  EXPECT_EQ(e.detail, "http: does not support reload; restart to apply");
  EXPECT_EQ(*seen, std::vector<std::string>{"2"});
  logger->flush();
  EXPECT_NE(log->str().find("configuration partly reloaded: applied by rules; not applied: http: does not support reload; "
                            "restart to apply"), std::string::npos) << log->str();
  EXPECT_EQ(log->str().find("reload rejected"), std::string::npos) << log->str();

  // An invalid configuration is rejected as a whole: no component sees it.
  std::ofstream(path) << "rules: {version: '3'}\nhttp: {port: nine}\n";
  e = reload();
  EXPECT_TRUE(e.applied.empty());
  EXPECT_NE(e.detail.find("http.port"), std::string::npos) << e.detail;
  EXPECT_EQ(*seen, std::vector<std::string>{"2"});
  logger->flush();
  EXPECT_NE(log->str().find("reload rejected, keeping the old configuration: "), std::string::npos) << log->str();

  // Everything applied: said so, naming who applied it.
  std::ofstream(path) << "rules: {version: '4'}\nhttp: {port: 8080}\n";
  e = reload();
  EXPECT_EQ(e.applied, std::vector<std::string>{"rules"});
  EXPECT_EQ(e.detail, "");
  logger->flush();
  EXPECT_NE(log->str().find("configuration reloaded, applied by rules"), std::string::npos) << log->str();
  EXPECT_EQ(h.stop(), 0);
}

}  // namespace
}  // namespace lifespan::test
