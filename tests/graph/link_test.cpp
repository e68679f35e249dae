// Names and types: empty and duplicate names, unknown names, dependencies by type, and all of them
// reported together.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "lifespan/graph/graph.hpp"

namespace lifespan::graph {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::UnorderedElementsAre;

struct database {};
struct metrics {};
template <class T>
type_key key_of() {
  static const char tag = 0;
  return &tag;
}

dependency on(std::string name) { return {std::move(name), nullptr, ""}; }
template <class T>
dependency on_type(std::string type_name) { return {"", key_of<T>(), std::move(type_name)}; }

declaration node(std::string name, std::vector<dependency> required = {}, std::vector<dependency> optional = {}) {
  return {std::move(name), criticality::critical, nullptr, "", std::move(required), std::move(optional)};
}
template <class T>
declaration typed(std::string name, std::string type_name, std::vector<dependency> required = {}) {
  return {std::move(name), criticality::critical, key_of<T>(), std::move(type_name), std::move(required), {}};
}

std::vector<std::string> texts(const std::vector<declaration>& declarations) {
  std::vector<problem> problems;
  resolve(declarations, problems);
  std::vector<std::string> out;
  for (const auto& p : problems) out.push_back(p.to_string());
  return out;
}

TEST(Problem, ToStringJoinsComponentMessageAndFix) {
  EXPECT_EQ((problem{"cache", "requires 'databse', which is not registered", "did you mean 'database'?"}).to_string(),
            "component 'cache': requires 'databse', which is not registered; fix: did you mean 'database'?");
  EXPECT_EQ((problem{"", "dependency cycle: a -> a", "remove it"}).to_string(), "dependency cycle: a -> a; fix: remove it");
  EXPECT_EQ((problem{"api", "(critical) requires 'cache' (background)", ""}).to_string(),
            "component 'api' (critical) requires 'cache' (background)");
}

TEST(Resolve, EmptyDeclarationListIsValid) {
  std::vector<problem> problems;
  const auto graph = resolve({}, problems);
  EXPECT_THAT(problems, IsEmpty());
  EXPECT_THAT(graph.order, IsEmpty());
}

TEST(Resolve, AppendsToProblemsAlreadyCollected) {
  std::vector<problem> problems{{"", "from the configuration", ""}};
  resolve({node("a", {on("b")})}, problems);
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[0].message, "from the configuration");
}

TEST(Names, EmptyNameIsReportedWithPositionAndType) {
  EXPECT_THAT(texts({node("a"), typed<database>("", "database")}),
              ElementsAre("component #2 (type 'database') is registered with an empty name; "
                          "fix: give it a name: service.add<database>(\"name\")"));
}

TEST(Names, DuplicateNameIsReportedOnceWithCount) {
  EXPECT_THAT(texts({node("db"), node("api"), node("db"), node("db")}),
              ElementsAre("duplicate name 'db' (registered 3 times); fix: give each component a unique name"));
}

TEST(Names, UnknownNameSuggestsTheNearestRegisteredOne) {
  EXPECT_THAT(texts({node("database"), node("cache", {on("databse")})}),
              ElementsAre("component 'cache': requires 'databse', which is not registered; "
                          "fix: did you mean 'database'?"));
}

TEST(Names, UnknownNameWithoutPlausibleSuggestionSaysHowToRegister) {
  const auto found = texts({node("database"), node("cache", {on("queue")})});
  ASSERT_EQ(found.size(), 1u);
  EXPECT_THAT(found[0], HasSubstr("requires 'queue', which is not registered"));
  EXPECT_THAT(found[0], HasSubstr("fix: register it with service.add<"));
  EXPECT_THAT(found[0], HasSubstr("(\"queue\"), or remove the dependency"));
  EXPECT_THAT(found[0], Not(HasSubstr("did you mean")));
}

TEST(Names, SuggestionIsNeverTheComponentItself) {
  // 'cach' is closest to 'cache' itself, which would only turn the typo into a self-dependency.
  const auto found = texts({node("cachy"), node("cache", {on("cach")})});
  ASSERT_EQ(found.size(), 1u);
  EXPECT_THAT(found[0], HasSubstr("did you mean 'cachy'?"));
}

TEST(Names, UnknownNameWithKnownTypeSuggestsTheComponentOfThatType) {
  dependency dep = on("main");
  dep.type = key_of<database>();
  dep.type_name = "database";
  const auto found = texts({typed<database>("primary", "database"), node("api", {dep})});
  ASSERT_EQ(found.size(), 1u);
  EXPECT_THAT(found[0], HasSubstr("requires 'main', which is not registered"));
  EXPECT_THAT(found[0], HasSubstr("did you mean 'primary', the registered database?"));
}

TEST(Names, OptionalDependencyOnUnknownNameIsReportedAsOptional) {
  const auto found = texts({node("metrics"), node("api", {}, {on("metrcs")})});
  ASSERT_EQ(found.size(), 1u);
  EXPECT_THAT(found[0], HasSubstr("component 'api': has an optional dependency on 'metrcs', which is not registered"));
  EXPECT_THAT(found[0], HasSubstr("did you mean 'metrics'?"));
}

TEST(Names, DependencyWithNeitherNameNorTypeIsReported) {
  const auto found = texts({node("api", {dependency{}})});
  ASSERT_EQ(found.size(), 1u);
  EXPECT_THAT(found[0], HasSubstr("component 'api': requires a component without giving its name or type"));
  EXPECT_THAT(found[0], HasSubstr("fix: name the dependency"));
}

TEST(Types, UniqueComponentOfTheTypeIsTheDependency) {
  std::vector<problem> problems;
  const auto graph = resolve({typed<database>("primary", "database"), node("api", {on_type<database>("database")})},
                             problems);
  EXPECT_THAT(problems, IsEmpty());
  EXPECT_THAT(graph.required[1], ElementsAre(0u));
  EXPECT_THAT(graph.order, ElementsAre(0u, 1u));
}

TEST(Types, NoComponentOfTheTypeSaysHowToRegisterOne) {
  EXPECT_THAT(texts({node("api", {on_type<metrics>("metrics")})}),
              ElementsAre("component 'api': requires a component of type 'metrics', but none is registered; "
                          "fix: register one with service.add<metrics>(\"name\")"));
}

TEST(Types, SeveralComponentsOfTheTypeAskToNameOne) {
  EXPECT_THAT(texts({typed<database>("primary", "database"), typed<database>("replica", "database"),
                     node("api", {on_type<database>("database")})}),
              ElementsAre("component 'api': requires a component of type 'database', but 2 are registered "
                          "('primary', 'replica'); fix: name the one you mean: .depends_on(\"primary\")"));
}

TEST(Types, LongCandidateListsAreShortened) {
  std::vector<declaration> declarations;
  for (int i = 0; i < 8; ++i) declarations.push_back(typed<database>("db" + std::to_string(i), "database"));
  declarations.push_back(node("api", {}, {on_type<database>("database")}));
  const auto found = texts(declarations);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_THAT(found[0], HasSubstr("has an optional dependency on a component of type 'database', but 8 are "
                                  "registered ('db0', 'db1', 'db2', 'db3', 'db4' and 3 more)"));
  EXPECT_THAT(found[0], HasSubstr("fix: name the one you mean: .optional(\"db0\")"));
}

TEST(Types, RepeatedDependencyIsOneEdgeAndRequiredWinsOverOptional) {
  std::vector<problem> problems;
  const auto graph = resolve({typed<database>("db", "database"), node("c"),
                              node("api", {on("db"), on_type<database>("database")}, {on("db"), on("c"), on("c")})},
                             problems);
  EXPECT_THAT(problems, IsEmpty());
  EXPECT_THAT(graph.required[2], ElementsAre(0u));
  EXPECT_THAT(graph.optional[2], ElementsAre(1u));
  EXPECT_THAT(graph.dependents[0], ElementsAre(2u));
}

TEST(Resolve, ReportsEveryKindOfProblemTogether) {
  std::vector<declaration> declarations{
      node("database"),
      node("cache", {on("databse")}),
      node("db"),
      node("db"),
      node(""),
      node("api", {on_type<metrics>("metrics"), on("api")}),
  };
  declarations[0].criticality = criticality::background;
  declarations[5].required.push_back(on("database"));
  std::vector<problem> problems;
  resolve(declarations, problems);
  std::vector<std::string> components, messages;
  for (const auto& p : problems) {
    components.push_back(p.component);
    messages.push_back(p.message);
    EXPECT_FALSE(p.fix.empty()) << p.to_string();
  }
  EXPECT_THAT(messages, UnorderedElementsAre(HasSubstr("empty name"), HasSubstr("duplicate name 'db'"),
                                             HasSubstr("requires 'databse'"), HasSubstr("type 'metrics'"),
                                             HasSubstr("dependency cycle: api -> api"),
                                             HasSubstr("requires 'database' (background)")));
  EXPECT_THAT(components, UnorderedElementsAre("", "", "cache", "api", "", "api"));
}

}  // namespace
}  // namespace lifespan::graph
