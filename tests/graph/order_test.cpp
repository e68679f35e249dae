// Start order and dependents.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "builders.hpp"
#include "lifespan/graph/graph.hpp"

namespace lifespan::graph {
namespace {

using namespace lifespan::graph::test;

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(Order, DependenciesComeFirst) {
  const auto graph = resolve_ok({node("api", {"db", "cache"}), node("cache", {"db"}), node("db")});
  EXPECT_THAT(graph.order, ElementsAre(2u, 1u, 0u));
}

TEST(Order, IndependentComponentsKeepDeclarationOrder) {
  EXPECT_THAT(resolve_ok({node("c"), node("a"), node("b")}).order, ElementsAre(0u, 1u, 2u));
}

TEST(Order, IsStableWhenThereIsAChoice) {
  // x and y are free at once; 'late' only after 'dep'. The first-declared ready component goes first.
  const auto graph = resolve_ok({node("late", {"dep"}), node("x"), node("dep"), node("y")});
  EXPECT_THAT(graph.order, ElementsAre(1u, 2u, 0u, 3u));
}

TEST(Order, OptionalDependenciesAreOrderedToo) {
  const auto graph = resolve_ok({node("api", {}, {"metrics"}), node("metrics")});
  EXPECT_THAT(graph.order, ElementsAre(1u, 0u));
}

TEST(Order, IsTheSameOnEveryCall) {
  const std::vector<declaration> declarations{node("e", {"b"}), node("d", {"a"}), node("c"), node("b", {"c"}),
                                              node("a", {}, {"c"})};
  const auto first = resolve_ok(declarations).order;
  for (int i = 0; i < 5; ++i) EXPECT_EQ(resolve_ok(declarations).order, first);
  EXPECT_THAT(first, ElementsAre(2u, 3u, 0u, 4u, 1u));
}

TEST(Edges, RequiredAndOptionalListsFollowDeclarationOrder) {
  const auto graph = resolve_ok({node("a"), node("b"), node("c"), node("api", {"c", "a"}, {"b"})});
  EXPECT_THAT(graph.required[3], ElementsAre(2u, 0u));
  EXPECT_THAT(graph.optional[3], ElementsAre(1u));
  EXPECT_THAT(graph.required[0], IsEmpty());
}

TEST(Dependents, AreTheUnionOfRequiredAndOptionalWithoutDuplicates) {
  const auto graph = resolve_ok({node("db"), node("api", {"db", "db"}, {"db"}), node("jobs", {}, {"db"}),
                                 node("web", {"api", "db"})});
  EXPECT_THAT(graph.dependents[0], ElementsAre(1u, 2u, 3u));
  EXPECT_THAT(graph.dependents[1], ElementsAre(3u));
  EXPECT_THAT(graph.dependents[3], IsEmpty());
  EXPECT_THAT(graph.required[1], ElementsAre(0u));
  EXPECT_THAT(graph.optional[1], IsEmpty());
}

TEST(Resolved, HasOneEntryPerDeclaration) {
  const auto graph = resolve_ok({node("a"), node("b", {"a"})});
  EXPECT_EQ(graph.required.size(), 2u);
  EXPECT_EQ(graph.optional.size(), 2u);
  EXPECT_EQ(graph.dependents.size(), 2u);
  EXPECT_EQ(graph.effective.size(), 2u);
  EXPECT_EQ(graph.order.size(), 2u);
}

}  // namespace
}  // namespace lifespan::graph
