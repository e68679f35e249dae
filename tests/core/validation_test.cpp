// Nothing starts unless the whole graph and configuration are valid; every problem is reported at once.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "lifespan/testing/harness.hpp"
#include "scripted.hpp"

namespace lifespan::test {
namespace {

using namespace std::chrono_literals;

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

TEST(Validation, ReportsGraphAndConfigurationProblemsTogetherAndConstructsNothing) {
  auto constructed = std::make_shared<std::atomic<int>>(0);
  service_options o = quiet_options();
  o.config_overrides = {"cahce.start_timeout=5s", "database.start_timeout=soon"};
  service svc{"t", o};
  auto j = std::make_shared<journal>();
  svc.add_factory<scripted>("database", [&] {
    ++*constructed;
    return std::make_unique<scripted>(j, "database", std::make_shared<script>());
  });
  svc.add_factory<scripted>("cache", [&] {
    ++*constructed;
    return std::make_unique<scripted>(j, "cache", std::make_shared<script>());
  }).depends_on("databse");
  const auto problems = joined(svc.check());
  EXPECT_NE(problems.find("databse"), std::string::npos) << problems;
  EXPECT_NE(problems.find("did you mean 'database'?"), std::string::npos) << problems;
  EXPECT_NE(problems.find("cahce"), std::string::npos) << problems;
  EXPECT_NE(problems.find("did you mean 'cache'?"), std::string::npos) << problems;
  EXPECT_NE(problems.find("database.start_timeout"), std::string::npos) << problems;
  EXPECT_EQ(problems.find("section 'database' names no component"), std::string::npos) << problems;
  EXPECT_NE(problems.find("section 'cahce' names no component"), std::string::npos) << problems;
  EXPECT_EQ(problems.find("names no component"), problems.rfind("names no component")) << "only 'cahce': " << problems;
  EXPECT_EQ(svc.run(), exit_invalid);
  EXPECT_EQ(*constructed, 0);
}

TEST(Validation, UnknownKeyInAComponentSectionIsRejectedWithASuggestion) {
  service_options o = quiet_options();
  o.config_overrides = {"db.stop_timout=5s"};
  service svc{"t", o};
  auto j = std::make_shared<journal>();
  add_scripted(svc, j, "db");
  const auto problems = joined(svc.check());
  EXPECT_NE(problems.find("stop_timout"), std::string::npos) << problems;
  EXPECT_NE(problems.find("stop_timeout"), std::string::npos) << problems;
}

struct configured : component {
  struct options {
    int pool_size = 4;
  };
  static options read_options(config::section& s) {
    options o;
    o.pool_size = s.get<int>("pool_size", o.pool_size);
    if (o.pool_size < 1) s.report("pool_size", "must be at least 1");
    return o;
  }
  explicit configured(options o, std::shared_ptr<std::atomic<int>> seen) : seen_(std::move(seen)) { *seen_ = o.pool_size; }
  void start(context&) override {}
  std::shared_ptr<std::atomic<int>> seen_;
};

TEST(Validation, ComponentOptionsComeFromItsSectionAndAreValidatedFirst) {
  auto seen = std::make_shared<std::atomic<int>>(0);
  {
    service_options o = quiet_options();
    o.config_overrides = {"db.pool_size=9"};
    service svc{"t", o};
    svc.add<configured>("db", seen);
    testing::harness h{svc};
    h.start();
    ASSERT_TRUE(h.wait_for_state(service_state::running));
    EXPECT_EQ(*seen, 9);
  }
  service_options bad = quiet_options();
  bad.config_overrides = {"db.pool_size=0"};
  service svc{"t", bad};
  svc.add<configured>("db", seen);
  const auto problems = joined(svc.check());
  EXPECT_NE(problems.find("db.pool_size"), std::string::npos) << problems;
  EXPECT_NE(problems.find("must be at least 1"), std::string::npos) << problems;
}

TEST(Validation, ConfigurationFileErrorsNameTheFileAndLine) {
  const std::string path = ::testing::TempDir() + "/lifespan-validation.yaml";
  std::ofstream(path) << "db:\n  start_timeout: 5s\nshutdown:\n  drain_timeout: forever\n";
  service_options o = quiet_options();
  o.config_file = path;
  service svc{"t", o};
  auto j = std::make_shared<journal>();
  add_scripted(svc, j, "db");
  const auto problems = joined(svc.check());
  EXPECT_NE(problems.find(path + ":4"), std::string::npos) << problems;
  EXPECT_NE(problems.find("shutdown.drain_timeout"), std::string::npos) << problems;
}

// Components without options of their own and without a section skip the section lookup (a cost
// at ten thousand components); one that has a section, even a malformed one, is still read and checked.
TEST(Validation, ASectionOfAComponentWithoutOptionsIsStillCheckedWhenPresent) {
  const std::string path = ::testing::TempDir() + "/lifespan-validation-scalar.yaml";
  std::ofstream(path) << "db: postgres\ncache:\n  stop_timeout: 0s\nqueue:\n  start_timeout: 2s\n";
  service_options o = quiet_options();
  o.config_file = path;
  service svc{"t", o};
  auto j = std::make_shared<journal>();
  for (const char* name : {"db", "cache", "queue", "unconfigured"}) add_scripted(svc, j, name);
  const auto problems = joined(svc.check());
  EXPECT_NE(problems.find("db: expected a section of settings"), std::string::npos) << problems;
  EXPECT_NE(problems.find("cache.stop_timeout"), std::string::npos) << problems;
  EXPECT_EQ(problems.find("queue"), std::string::npos) << problems;
  EXPECT_EQ(problems.find("unconfigured"), std::string::npos) << problems;
}

TEST(Validation, EnvironmentOverridesUseTheServiceNameAsPrefix) {
  ::setenv("ENVTEST__DB__STOP_TIMEOUT", "later", 1);
  service_options o = quiet_options();
  o.read_environment = true;
  service svc{"envtest", o};
  auto j = std::make_shared<journal>();
  add_scripted(svc, j, "db");
  const auto problems = joined(svc.check());
  ::unsetenv("ENVTEST__DB__STOP_TIMEOUT");
  EXPECT_NE(problems.find("ENVTEST__DB__STOP_TIMEOUT"), std::string::npos) << problems;
}

TEST(Validation, WarnsWhenShutdownBudgetsExceedTheGracePeriod) {
  service_options o = quiet_options();
  o.config_overrides = {"shutdown.readiness_delay=20s", "shutdown.drain_timeout=10s"};
  service svc{"t", o};
  auto j = std::make_shared<journal>();
  add_scripted(svc, j, "db").first.stop_timeout(5s);
  add_scripted(svc, j, "api").first.depends_on("db").stop_timeout(5s);
  testing::harness h{svc};
  h.start();
  ASSERT_TRUE(h.wait_for_state(service_state::running));
  std::string warning;
  for (const auto& e : h.events())
    if (e.kind == event_kind::warning) warning = e.detail;
  EXPECT_NE(warning.find("shutdown budgets add up to 40s"), std::string::npos) << warning;
  EXPECT_NE(warning.find("grace_period 30s"), std::string::npos) << warning;
  svc.request_shutdown();
  svc.request_shutdown();  // skip the 20 s delay
  EXPECT_EQ(h.join(), exit_ok);
}

}  // namespace
}  // namespace lifespan::test
