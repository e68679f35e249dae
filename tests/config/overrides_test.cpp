// Environment and --set overrides: what they match, how values are parsed, where errors point.
#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <vector>

#include "lifespan/config/config.hpp"

namespace lifespan::config {
namespace {

using namespace std::chrono_literals;
using strings = std::vector<std::string>;

// An environ-style, null-terminated array over owned strings.
class environment {
 public:
  environment(std::initializer_list<std::string> entries) : storage_(entries) {
    for (auto& s : storage_) pointers_.push_back(s.data());
    pointers_.push_back(nullptr);
  }
  char** get() { return pointers_.data(); }

 private:
  std::vector<std::string> storage_;
  std::vector<char*> pointers_;
};

constexpr std::string_view base_yaml =
    "db:\n"
    "  url: postgres://file\n"
    "  pool_size: 4\n";

document load(error_list& errors) { return document::from_string(base_yaml, "config.yaml", errors); }

TEST(ApplyEnvironment, ReplacesValuesAndRemembersTheVariable) {
  error_list errors;
  auto doc = load(errors);
  environment env{"VIGIL__DB__POOL_SIZE=8", "PATH=/usr/bin"};
  doc.apply_environment("vigil", env.get(), errors);
  ASSERT_TRUE(errors.empty());
  auto db = doc.get("db", errors);
  EXPECT_EQ(db.get<int>("pool_size", 0), 8);
  EXPECT_EQ(db.get<std::string>("url", ""), "postgres://file");
  EXPECT_EQ(db.where("pool_size").to_string(), "environment VIGIL__DB__POOL_SIZE");
  EXPECT_EQ(db.where("url").to_string(), "config.yaml:2:8");
}

TEST(ApplyEnvironment, MatchesTheAppCaseInsensitivelyAndLowercasesNames) {
  error_list errors;
  auto doc = load(errors);
  environment env{"vigil__DB__Url=postgres://env"};
  doc.apply_environment("Vigil", env.get(), errors);
  EXPECT_EQ(doc.get("db", errors).get<std::string>("url", ""), "postgres://env");
  EXPECT_TRUE(errors.empty());
}

TEST(ApplyEnvironment, IgnoresOtherVariables) {
  error_list errors;
  auto doc = load(errors);
  environment env{"PATH=/usr/bin", "VIGILANT__DB__POOL_SIZE=1", "VIGIL_DB_POOL_SIZE=2", "OTHER__DB__POOL_SIZE=3",
                  "VIGIL=4", "HOME=/root"};
  doc.apply_environment("vigil", env.get(), errors);
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(doc.get("db", errors).get<int>("pool_size", 0), 4);
  EXPECT_EQ(doc.section_names(), strings{"db"});
}

TEST(ApplyEnvironment, CreatesNestedAndNewSections) {
  error_list errors;
  auto doc = load(errors);
  environment env{"VIGIL__DB__POOL__MAX_IDLE=2", "VIGIL__CACHE__TTL=5m"};
  doc.apply_environment("vigil", env.get(), errors);
  ASSERT_TRUE(errors.empty());
  EXPECT_EQ(doc.get("db", errors).child("pool").get<int>("max_idle", 0), 2);
  EXPECT_EQ(doc.get("cache", errors).get<duration>("ttl", 0s), 5min);
  EXPECT_EQ(doc.section_names(), (strings{"db", "cache"}));
  EXPECT_EQ(doc.get("cache", errors).where().to_string(), "environment VIGIL__CACHE__TTL");
}

TEST(ApplyEnvironment, ParsesScalarsAndFlowSequences) {
  error_list errors;
  auto doc = load(errors);
  environment env{"VIGIL__S__LIST=[a, 'b c']", "VIGIL__S__QUOTED='[not a list]'", "VIGIL__S__EMPTY=",
                  "VIGIL__S__EQUALS=a=b", "VIGIL__S__TEXT=a: b", "VIGIL__S__FLAG=yes", "VIGIL__S__NONE=~"};
  doc.apply_environment("vigil", env.get(), errors);
  ASSERT_TRUE(errors.empty()) << errors.front().to_string();
  auto s = doc.get("s", errors);
  EXPECT_EQ(s.get<strings>("list", {}), (strings{"a", "b c"}));
  EXPECT_EQ(s.get<std::string>("quoted", ""), "[not a list]");
  EXPECT_EQ(s.get<std::string>("empty", "fallback"), "");
  EXPECT_EQ(s.get<std::string>("equals", ""), "a=b");
  EXPECT_EQ(s.get<std::string>("text", ""), "a: b");  // not a mapping: taken literally
  EXPECT_TRUE(s.get<bool>("flag", false));
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(s.get<std::string>("none", "fallback"), "fallback");  // null: present but empty
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].message, "expected a string, got an empty value");
}

TEST(ApplyEnvironment, LaterTypeErrorsNameTheVariable) {
  error_list errors;
  auto doc = load(errors);
  environment env{"VIGIL__DB__POOL_SIZE=ten"};
  doc.apply_environment("vigil", env.get(), errors);
  ASSERT_TRUE(errors.empty());
  EXPECT_EQ(doc.get("db", errors).get<int>("pool_size", 1), 1);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].to_string(), "environment VIGIL__DB__POOL_SIZE: db.pool_size: expected an integer, got 'ten'");
}

TEST(ApplyEnvironment, ReportsMalformedNames) {
  error_list errors;
  auto doc = load(errors);
  environment env{"VIGIL__DB=1", "VIGIL____URL=2", "VIGIL__DB__=3", "VIGIL___DB__URL=4", "VIGIL__DB____URL=5",
                  "VIGIL__DB__URL"};
  doc.apply_environment("vigil", env.get(), errors);
  ASSERT_EQ(errors.size(), 6u);
  EXPECT_EQ(errors[0].to_string(),
            "environment VIGIL__DB: malformed override: expected VIGIL__SECTION__KEY=value (separate the section "
            "and every key with a double underscore, e.g. VIGIL__DB__POOL_SIZE=8)");
  EXPECT_EQ(errors[1].where.source, "environment VIGIL____URL");
  EXPECT_EQ(errors[5].where.source, "environment VIGIL__DB__URL");
  EXPECT_EQ(doc.get("db", errors).get<std::string>("url", ""), "postgres://file");
}

TEST(ApplyEnvironment, ReportsAnUnbalancedList) {
  error_list errors;
  auto doc = load(errors);
  environment env{"VIGIL__DB__HOSTS=[a, b"};
  doc.apply_environment("vigil", env.get(), errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].key, "db.hosts");
  EXPECT_EQ(errors[0].where.source, "environment VIGIL__DB__HOSTS");
  EXPECT_EQ(errors[0].message.rfind("expected a value or a list such as [a, b], got '[a, b'", 0), 0u);
  EXPECT_FALSE(doc.get("db", errors).has("hosts"));
}

TEST(ApplyEnvironment, AValueInTheWayOfASectionIsReported) {
  error_list errors;
  auto doc = load(errors);
  environment env{"VIGIL__DB__URL__HOST=x"};
  doc.apply_environment("vigil", env.get(), errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].to_string(),
            "environment VIGIL__DB__URL__HOST: db.url.host: cannot set this key: db.url is 'postgres://file' "
            "(config.yaml:2:8), not a section (override db.url itself, or change it in the file)");
}

TEST(ApplyEnvironment, ANullEnvironmentDoesNothing) {
  error_list errors;
  auto doc = load(errors);
  doc.apply_environment("vigil", nullptr, errors);
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(doc.get("db", errors).get<int>("pool_size", 0), 4);
}

TEST(ApplySet, ReplacesValuesWithItsOwnOrigin) {
  error_list errors;
  auto doc = load(errors);
  auto db = doc.get("db", errors);  // taken before the override: views see later changes
  doc.apply_set("db.pool_size=16", errors);
  ASSERT_TRUE(errors.empty());
  EXPECT_EQ(db.get<int>("pool_size", 0), 16);
  EXPECT_EQ(db.where("pool_size").to_string(), "--set db.pool_size");
}

TEST(ApplySet, KeepsCaseAndNests) {
  error_list errors;
  auto doc = load(errors);
  doc.apply_set("db.Pool.size=[1, 2]", errors);
  ASSERT_TRUE(errors.empty());
  EXPECT_EQ(doc.get("db.Pool", errors).get<strings>("size", {}), (strings{"1", "2"}));
  EXPECT_FALSE(doc.get("db.pool", errors).exists());
}

TEST(ApplySet, TypeErrorsNameTheArgument) {
  error_list errors;
  auto doc = load(errors);
  doc.apply_set("shutdown.timeout=5 seconds", errors);
  doc.get("shutdown", errors).get<duration>("timeout", 30s);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].where.to_string(), "--set shutdown.timeout");
  EXPECT_EQ(errors[0].message, "expected a duration such as 250ms or 5s, got '5 seconds'");
}

TEST(ApplySet, ReportsMalformedArgumentsWithTheExpectedForm) {
  for (std::string_view bad : {"db.pool_size", "=8", "db=8", "db..size=8", ".size=8", "db.=8", ""}) {
    error_list errors;
    auto doc = load(errors);
    doc.apply_set(bad, errors);
    ASSERT_EQ(errors.size(), 1u) << bad;
    EXPECT_EQ(errors[0].where.source, "--set " + std::string(bad.substr(0, bad.find('='))));
    EXPECT_EQ(errors[0].message, "malformed argument: expected --set section.key=value") << bad;
    EXPECT_EQ(doc.get("db", errors).get<int>("pool_size", 0), 4);
  }
}

TEST(Overrides, TheLastOneWins) {
  error_list errors;
  auto doc = load(errors);
  environment env{"VIGIL__DB__POOL_SIZE=8"};
  doc.apply_environment("vigil", env.get(), errors);
  doc.apply_set("db.pool_size=9", errors);
  EXPECT_EQ(doc.get("db", errors).get<int>("pool_size", 0), 9);
  EXPECT_EQ(doc.get("db", errors).where("pool_size").source, "--set db.pool_size");
  EXPECT_TRUE(errors.empty());
}

TEST(Overrides, FillAnEmptySection) {
  error_list errors;
  auto doc = document::from_string("metrics:\n", "config.yaml", errors);
  doc.apply_set("metrics.port=9100", errors);
  EXPECT_EQ(doc.get("metrics", errors).get<int>("port", 0), 9100);
  EXPECT_TRUE(errors.empty());
}

}  // namespace
}  // namespace lifespan::config
