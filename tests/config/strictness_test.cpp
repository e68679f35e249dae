// section::finish(): keys nobody read are unknown, with suggestions from the keys that were read.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "lifespan/config/config.hpp"

namespace lifespan::config {
namespace {

using namespace std::chrono_literals;

document load(std::string_view yaml, error_list& errors) { return document::from_string(yaml, "config.yaml", errors); }

TEST(Finish, ReportsATypoWithTheKeyThatWasRead) {
  error_list errors;
  auto doc = load("shutdown:\n  timout: 5s\n", errors);
  auto s = doc.get("shutdown", errors);
  EXPECT_EQ(s.get<duration>("timeout", 30s), 30s);  // the typo means the default applies
  EXPECT_TRUE(errors.empty());
  s.finish();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].key, "shutdown.timout");
  EXPECT_EQ(errors[0].message, "unknown key 'timout'");
  EXPECT_EQ(errors[0].hint, "did you mean 'timeout'?");
  EXPECT_EQ(errors[0].to_string(), "config.yaml:2:3: shutdown.timout: unknown key 'timout' (did you mean 'timeout'?)");
}

TEST(Finish, KeysThatWereReadAreNotReported) {
  error_list errors;
  auto doc = load("s:\n  a: 1\n  b: two\n  c: [x]\n", errors);
  auto s = doc.get("s", errors);
  s.get<int>("a", 0);
  s.get<int>("b", 0);  // read, though of the wrong type: reported as such, not as unknown
  s.get<std::vector<std::string>>("c", {});
  s.finish();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].message, "expected an integer, got 'two'");
}

TEST(Finish, SuggestsKeysAskedForThroughEveryAccessor) {
  error_list errors;
  auto doc = load("s:\n  hass: 1\n  findd: 1\n  requiree: 1\n  childd: {}\n", errors);
  auto s = doc.get("s", errors);
  s.has("has");                    // absent, but asked for
  s.find<int>("find");             //
  s.require<int>("require");       // reports "missing required key" too
  s.child("child");                //
  errors.clear();
  s.finish();
  ASSERT_EQ(errors.size(), 4u);
  EXPECT_EQ(errors[0].hint, "did you mean 'has'?");
  EXPECT_EQ(errors[1].hint, "did you mean 'find'?");
  EXPECT_EQ(errors[2].hint, "did you mean 'require'?");
  EXPECT_EQ(errors[3].hint, "did you mean 'child'?");
}

TEST(Finish, ListsTheKnownKeysWhenNothingIsClose) {
  error_list errors;
  auto doc = load("s:\n  colour: red\n", errors);
  auto s = doc.get("s", errors);
  s.get<int>("size", 1);
  s.get<bool>("enabled", true);
  s.finish();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].message, "unknown key 'colour'");
  EXPECT_EQ(errors[0].hint, "known keys here: enabled, size");
}

TEST(Finish, ASectionNobodyReadHasOnlyUnknownKeys) {
  error_list errors;
  auto doc = load("s:\n  a: 1\n  b: 2\n", errors);
  auto s = doc.get("s", errors);
  s.finish();
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].key, "s.a");
  EXPECT_EQ(errors[1].key, "s.b");
  EXPECT_EQ(errors[0].hint, "");
}

TEST(Finish, RecursesIntoChildSections) {
  error_list errors;
  auto doc = load(
      "db:\n"
      "  url: x\n"
      "  pool:\n"
      "    sise: 4\n"
      "    max_idle: 2\n"
      "  retry:\n"
      "    count: 3\n",
      errors);
  auto db = doc.get("db", errors);
  db.get<std::string>("url", "");
  auto pool = db.child("pool");
  pool.get<int>("size", 1);
  pool.get<int>("max_idle", 1);
  db.finish();
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].to_string(), "config.yaml:4:5: db.pool.sise: unknown key 'sise' (did you mean 'size'?)");
  // A child nobody asked for is one unknown key, not a list of its contents.
  EXPECT_EQ(errors[1].key, "db.retry");
  EXPECT_EQ(errors[1].hint, "known keys here: pool, url");
}

TEST(Finish, ViewsOfOneSectionShareWhatWasRead) {
  error_list errors;
  auto doc = load("db:\n  url: x\n  pool_size: 4\n", errors);
  auto first = doc.get("db", errors);
  auto second = doc.get("db", errors);
  first.get<std::string>("url", "");
  second.get<int>("pool_size", 1);
  first.finish();
  EXPECT_TRUE(errors.empty()) << errors.front().to_string();
}

TEST(Finish, ReportsEachUnknownKeyOnlyOnce) {
  error_list errors;
  auto doc = load("db:\n  pool:\n    sise: 4\n", errors);
  auto db = doc.get("db", errors);
  auto pool = db.child("pool");
  pool.get<int>("size", 1);
  pool.finish();
  db.finish();  // recurses into pool again
  pool.finish();
  EXPECT_EQ(errors.size(), 1u);
}

TEST(Finish, TheRootReportsUnknownSections) {
  error_list errors;
  auto doc = load("shutdown:\n  timeout: 5s\nshutdwn:\n  timeout: 1s\n", errors);
  doc.get("shutdown", errors).get<duration>("timeout", 1s);
  auto root = doc.get("", errors);
  EXPECT_EQ(root.path(), "");
  root.finish();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].to_string(), "config.yaml:3:1: shutdwn: unknown section 'shutdwn' (did you mean 'shutdown'?)");
}

TEST(Finish, UnknownKeysFromOverridesPointAtTheOverride) {
  error_list errors;
  auto doc = load("db:\n  url: x\n", errors);
  doc.apply_set("db.urll=y", errors);
  auto db = doc.get("db", errors);
  db.get<std::string>("url", "");
  db.finish();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].to_string(), "--set db.urll: db.urll: unknown key 'urll' (did you mean 'url'?)");
}

TEST(Finish, AnOverrideIsNamedByItsKeyNeverByItsValueWhichMayBeASecret) {
  error_list errors;
  auto doc = load("db:\n  url: x\n", errors);
  doc.apply_set("db.urll=postgresql://vigil:s3cret@db/vigil", errors);
  auto db = doc.get("db", errors);
  db.get<std::string>("url", "");
  db.finish();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].to_string(), "--set db.urll: db.urll: unknown key 'urll' (did you mean 'url'?)");
}

}  // namespace
}  // namespace lifespan::config
