#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "lifespan/config/config.hpp"

namespace lifespan::config {
namespace {

using namespace std::chrono_literals;
using strings = std::vector<std::string>;

// Line numbers in the tests below refer to this text.
constexpr std::string_view server_yaml =
    "server:\n"              // 1
    "  enabled: yes\n"       // 2
    "  port: 8080\n"         // 3
    "  big: 9000000000\n"    // 4
    "  ratio: 0.75\n"        // 5
    "  name: api\n"          // 6
    "  timeout: 5s\n"        // 7
    "  tags: [a, b]\n"       // 8
    "  zero: 0\n"            // 9
    "  hex: 0x1F\n"          // 10
    "  negative: -12\n"      // 11
    "  quoted: \"8080\"\n"   // 12
    "  empty:\n"             // 13
    "  nested:\n"            // 14
    "    key: value\n";      // 15

document load(std::string_view yaml, error_list& errors) { return document::from_string(yaml, "config.yaml", errors); }

TEST(SectionGetters, ReadEverySupportedType) {
  error_list errors;
  auto doc = load(server_yaml, errors);
  auto s = doc.get("server", errors);
  EXPECT_TRUE(s.get<bool>("enabled", false));
  EXPECT_EQ(s.get<int>("port", 0), 8080);
  EXPECT_EQ(s.get<std::int64_t>("big", 0), 9'000'000'000);
  EXPECT_DOUBLE_EQ(s.get<double>("ratio", 0.0), 0.75);
  EXPECT_DOUBLE_EQ(s.get<double>("port", 0.0), 8080.0);  // an integer is a number too
  EXPECT_EQ(s.get<std::string>("name", ""), "api");
  EXPECT_EQ(s.get<std::string>("port", ""), "8080");  // any scalar reads as its text
  EXPECT_EQ(s.get<duration>("timeout", 0s), 5s);
  EXPECT_EQ(s.get<duration>("zero", 1s), 0s);  // a bare 0 is a duration
  EXPECT_EQ(s.get<strings>("tags", {}), (strings{"a", "b"}));
  EXPECT_EQ(s.get<int>("hex", 0), 31);
  EXPECT_EQ(s.get<int>("negative", 0), -12);
  EXPECT_EQ(s.get<int>("quoted", 0), 8080);
  EXPECT_TRUE(errors.empty()) << errors.front().to_string();
}

TEST(SectionGetters, BooleansFollowYamlCpp) {
  error_list errors;
  auto doc = load("f:\n  a: true\n  b: False\n  c: NO\n  d: on\n  e: Off\n  f: y\n", errors);
  auto s = doc.get("f", errors);
  EXPECT_TRUE(s.get<bool>("a", false));
  EXPECT_FALSE(s.get<bool>("b", true));
  EXPECT_FALSE(s.get<bool>("c", true));
  EXPECT_TRUE(s.get<bool>("d", false));
  EXPECT_FALSE(s.get<bool>("e", true));
  EXPECT_TRUE(s.get<bool>("f", false));
  EXPECT_TRUE(errors.empty());
}

TEST(SectionGetters, AbsentKeysGiveTheFallbackWithoutErrors) {
  error_list errors;
  auto doc = load(server_yaml, errors);
  auto s = doc.get("server", errors);
  EXPECT_EQ(s.get<int>("workers", 4), 4);
  EXPECT_EQ(s.get<std::string>("mode", "fast"), "fast");
  EXPECT_EQ(s.get<duration>("grace", 3s), 3s);
  EXPECT_EQ(s.find<int>("workers"), std::nullopt);
  EXPECT_FALSE(s.has("workers"));
  EXPECT_TRUE(s.has("port"));
  EXPECT_TRUE(errors.empty());
}

// `value` written under s.k, read as T, must produce exactly one error with `message` (and `hint`
// unless it is "*"), and the getter must return `fallback`.
template <class T>
void expect_wrong(const std::string& value, T fallback, const std::string& message, const std::string& hint = "*") {
  error_list errors;
  auto doc = document::from_string("s:\n  k: " + value + "\n", "config.yaml", errors);
  ASSERT_TRUE(errors.empty());
  auto s = doc.get("s", errors);
  EXPECT_EQ(s.get<T>("k", fallback), fallback) << value;
  ASSERT_EQ(errors.size(), 1u) << value;
  EXPECT_EQ(errors[0].key, "s.k");
  EXPECT_EQ(errors[0].where.to_string(), "config.yaml:2:6") << value;
  EXPECT_EQ(errors[0].message, message);
  if (hint != "*") {
    EXPECT_EQ(errors[0].hint, hint);
  }
}

TEST(SectionGetters, WrongTypesAreReportedAndReturnTheFallback) {
  expect_wrong<bool>("maybe", true, "expected true or false, got 'maybe'", "write true or false");
  expect_wrong<bool>("[true]", false, "expected true or false, got a list");
  expect_wrong<std::int64_t>("ten", std::int64_t{7}, "expected an integer, got 'ten'");
  expect_wrong<std::int64_t>("1.5", std::int64_t{7}, "expected an integer, got '1.5'");
  expect_wrong<std::int64_t>("99999999999999999999", std::int64_t{7},
                             "expected an integer that fits in 64 bits, got '99999999999999999999'");
  expect_wrong<int>("3000000000", 7, "expected an integer between -2147483648 and 2147483647, got '3000000000'");
  expect_wrong<int>("{a: 1}", 7, "expected an integer, got a mapping");
  expect_wrong<double>("abc", 1.0, "expected a number, got 'abc'");
  expect_wrong<double>("inf", 1.0, "expected a number, got 'inf'");
  expect_wrong<std::string>("[a, b]", std::string("x"), "expected a string, got a list");
  expect_wrong<duration>("5 seconds", duration{1s}, "expected a duration such as 250ms or 5s, got '5 seconds'",
                         "units are ns, us, ms, s, m and h, written right after the number");
  expect_wrong<duration>("30", duration{1s}, "expected a duration such as 250ms or 5s, got '30'",
                         "add a unit: 30ms or 30s");
  expect_wrong<duration>("-5s", duration{1s}, "expected a duration such as 250ms or 5s, got '-5s'",
                         "durations cannot be negative");
  expect_wrong<strings>("solo", strings{"x"}, "expected a list such as [a, b], got 'solo'", "write a single item as [solo]");
  expect_wrong<strings>("[a, [b]]", strings{"x"}, "expected a list of strings such as [a, b], got a list as item 2");
}

TEST(SectionGetters, AnEmptyValueIsNotAString) {
  error_list errors;
  auto doc = load("s:\n  k:\n", errors);
  auto s = doc.get("s", errors);
  EXPECT_EQ(s.get<std::string>("k", "fallback"), "fallback");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].message, "expected a string, got an empty value");
  EXPECT_EQ(errors[0].where.line, 2);  // the key's line, not where the next token starts
}

TEST(SectionGetters, NumbersFollowYaml) {
  error_list errors;
  auto doc = load("s:\n  a: .5\n  b: -1.5e3\n  c: +2\n  d: .inf\n  e: -.Inf\n  f: .nan\n", errors);
  auto s = doc.get("s", errors);
  EXPECT_DOUBLE_EQ(s.get<double>("a", 0), 0.5);
  EXPECT_DOUBLE_EQ(s.get<double>("b", 0), -1500.0);
  EXPECT_DOUBLE_EQ(s.get<double>("c", 0), 2.0);
  EXPECT_EQ(s.get<double>("d", 0), std::numeric_limits<double>::infinity());
  EXPECT_EQ(s.get<double>("e", 0), -std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(s.get<double>("f", 0)));
  EXPECT_TRUE(errors.empty());
  for (std::string_view bad : {"+-1", "1.5.5", "0x1p3", "nan", "1,5"}) {
    doc.apply_set("s.bad=" + std::string(bad), errors);
    EXPECT_EQ(s.get<double>("bad", 7.0), 7.0) << bad;
  }
  EXPECT_EQ(errors.size(), 5u);
}

TEST(SectionGetters, IntegersCoverTheWholeInt64Range) {
  error_list errors;
  auto doc = load("s:\n  min: -9223372036854775808\n  max: 9223372036854775807\n  octal: 0o17\n", errors);
  auto s = doc.get("s", errors);
  EXPECT_EQ(s.get<std::int64_t>("min", 0), std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(s.get<std::int64_t>("max", 0), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(s.get<std::int64_t>("octal", 0), 15);
  EXPECT_TRUE(errors.empty());
}

TEST(SectionGetters, ErrorToStringShowsOriginKeyMessageAndHint) {
  error_list errors;
  auto doc = load("db:\n  pool_size: ten\n  timeout: 30\n", errors);
  auto db = doc.get("db", errors);
  db.get<int>("pool_size", 4);
  db.get<duration>("timeout", 5s);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].to_string(), "config.yaml:2:14: db.pool_size: expected an integer, got 'ten'");
  EXPECT_EQ(errors[1].to_string(),
            "config.yaml:3:12: db.timeout: expected a duration such as 250ms or 5s, got '30' (add a unit: 30ms or 30s)");
}

TEST(SectionRequire, ReportsMissingKeysAtTheSection) {
  error_list errors;
  auto doc = load("db:\n  url: postgres://x\n  timout: 5s\n", errors);
  auto db = doc.get("db", errors);
  EXPECT_EQ(db.require<std::string>("url"), "postgres://x");
  EXPECT_EQ(db.require<duration>("timeout"), std::nullopt);
  EXPECT_EQ(db.require<int>("pool_size"), std::nullopt);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].key, "db.timeout");
  EXPECT_EQ(errors[0].message, "missing required key");
  EXPECT_EQ(errors[0].where.to_string(), "config.yaml:2:3");
  EXPECT_EQ(errors[0].hint, "'timout' is written here; is it a misspelling?");
  EXPECT_EQ(errors[1].key, "db.pool_size");
  EXPECT_EQ(errors[1].hint, "add `pool_size: ...` under `db:`");
}

TEST(SectionRequire, AWrongTypeIsReportedOnceNotAsMissing) {
  error_list errors;
  auto doc = load("db:\n  pool_size: many\n", errors);
  auto db = doc.get("db", errors);
  EXPECT_EQ(db.require<int>("pool_size"), std::nullopt);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].message, "expected an integer, got 'many'");
}

TEST(SectionViews, MissingSectionsAreEmptyAndQuiet) {
  error_list errors;
  auto doc = load(server_yaml, errors);
  auto s = doc.get("metrics", errors);
  EXPECT_FALSE(s.exists());
  EXPECT_EQ(s.path(), "metrics");
  EXPECT_EQ(s.get<int>("port", 9090), 9090);
  EXPECT_EQ(s.get<strings>("labels", {"x"}), strings{"x"});
  EXPECT_FALSE(s.has("port"));
  EXPECT_TRUE(s.keys().empty());
  EXPECT_FALSE(s.child("inner").exists());
  s.finish();
  EXPECT_TRUE(errors.empty());
}

TEST(SectionViews, AnEmptySectionExists) {
  error_list errors;
  auto doc = load("metrics:\n", errors);
  auto s = doc.get("metrics", errors);
  EXPECT_TRUE(s.exists());
  EXPECT_TRUE(s.keys().empty());
  EXPECT_EQ(s.get<int>("port", 9090), 9090);
  EXPECT_TRUE(errors.empty());
}

TEST(SectionViews, DefaultConstructedSectionIsHarmless) {
  section s;
  EXPECT_FALSE(s.exists());
  EXPECT_EQ(s.get<int>("x", 3), 3);
  EXPECT_EQ(s.require<int>("x"), std::nullopt);
  EXPECT_FALSE(s.child("y").exists());
  s.report("x", "ignored");
  s.finish();
  EXPECT_EQ(s.where("x").to_string(), "");
}

TEST(SectionViews, KeysComeInDocumentOrderAndWhereFindsThem) {
  error_list errors;
  auto doc = load("s:\n  zeta: 1\n  alpha: 2\n  mid: [x]\n", errors);
  auto s = doc.get("s", errors);
  EXPECT_EQ(s.keys(), (strings{"zeta", "alpha", "mid"}));
  EXPECT_EQ(s.where().to_string(), "config.yaml:2:3");
  EXPECT_EQ(s.where("alpha").to_string(), "config.yaml:3:10");
  EXPECT_EQ(s.where("absent").to_string(), "");
}

TEST(SectionViews, ChildSectionsHaveDottedPaths) {
  error_list errors;
  auto doc = load(server_yaml, errors);
  auto nested = doc.get("server", errors).child("nested");
  EXPECT_TRUE(nested.exists());
  EXPECT_EQ(nested.path(), "server.nested");
  EXPECT_EQ(nested.get<std::string>("key", ""), "value");
  EXPECT_EQ(doc.get("server.nested", errors).get<std::string>("key", ""), "value");
  EXPECT_TRUE(errors.empty());
}

TEST(SectionViews, AValueWhereASectionIsExpectedIsReported) {
  error_list errors;
  auto doc = load("db: postgres\nserver:\n  tls: on\n", errors);
  auto db = doc.get("db", errors);
  EXPECT_FALSE(db.exists());
  auto tls = doc.get("server", errors).child("tls");
  EXPECT_FALSE(tls.exists());
  doc.get("db", errors);  // a second reader of the same section adds no second error
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].to_string(),
            "config.yaml:1:5: db: expected a section of settings, got 'postgres' (write the settings indented under `db:`)");
  EXPECT_EQ(errors[1].key, "server.tls");
  EXPECT_EQ(errors[1].message, "expected a section of settings, got 'on'");
}

TEST(SectionReport, AddsErrorsAtTheKeyOrTheSection) {
  error_list errors;
  auto doc = load("pool:\n  min: 8\n  max: 4\n", errors);
  auto pool = doc.get("pool", errors);
  pool.report("max", "must be at least min (8)", "raise max or lower min");
  pool.report("size", "cannot be combined with min and max");
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].to_string(), "config.yaml:3:8: pool.max: must be at least min (8) (raise max or lower min)");
  EXPECT_EQ(errors[1].to_string(), "config.yaml:2:3: pool.size: cannot be combined with min and max");
}

}  // namespace
}  // namespace lifespan::config
