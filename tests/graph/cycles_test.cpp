// Cycles: self-dependencies, each distinct cycle once with its full path, optional edges counted,
// and large graphs handled without recursion.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "builders.hpp"
#include "lifespan/graph/graph.hpp"

namespace lifespan::graph {
namespace {

using namespace lifespan::graph::test;

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

TEST(Cycles, SelfDependencyIsACycleOfOne) {
  EXPECT_THAT(texts({node("a", {"a"})}),
              ElementsAre("dependency cycle: a -> a; fix: remove the dependency of 'a' on itself"));
}

TEST(Cycles, OptionalSelfDependencyIsACycleToo) {
  EXPECT_THAT(texts({node("a", {}, {"a"})}), ElementsAre(HasSubstr("dependency cycle: a -> a (a -> a is optional)")));
}

TEST(Cycles, CycleIsPrintedWithItsFullPathAndAFix) {
  const auto found = problems_of({node("a", {"b"}), node("b", {"c"}), node("c", {"a"})});
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].component, "");
  EXPECT_EQ(found[0].message, "dependency cycle: a -> b -> c -> a");
  EXPECT_THAT(found[0].fix, HasSubstr("remove one of these dependencies, or split one of the components"));
}

TEST(Cycles, CycleStartsAtItsFirstDeclaredComponentWhateverTheSearchStart) {
  // The same cycle declared in every rotation prints the same way: from the first-declared node.
  EXPECT_THAT(texts({node("b", {"c"}), node("c", {"a"}), node("a", {"b"})}),
              ElementsAre(HasSubstr("dependency cycle: b -> c -> a -> b;")));
  EXPECT_THAT(texts({node("c", {"a"}), node("a", {"b"}), node("b", {"c"})}),
              ElementsAre(HasSubstr("dependency cycle: c -> a -> b -> c;")));
}

TEST(Cycles, EachCycleIsReportedOnceEvenWhenManyComponentsLeadIntoIt) {
  EXPECT_THAT(texts({node("x", {"a"}), node("a", {"b"}), node("b", {"a"}), node("y", {"b"}), node("z", {"x", "y"})}),
              ElementsAre(HasSubstr("dependency cycle: a -> b -> a;")));
}

TEST(Cycles, SeparateCyclesAreAllReportedInDeclarationOrder) {
  EXPECT_THAT(texts({node("p", {"q"}), node("a", {"b"}), node("q", {"p"}), node("b", {"a"}), node("s", {"s"})}),
              ElementsAre(HasSubstr("dependency cycle: p -> q -> p;"), HasSubstr("dependency cycle: a -> b -> a;"),
                          HasSubstr("dependency cycle: s -> s;")));
}

TEST(Cycles, ReportsTheShortestCycleThroughTheFirstComponent) {
  // a -> b -> c -> d -> a and a -> d -> a share one strongly connected component: one report,
  // the shorter path.
  EXPECT_THAT(texts({node("a", {"b", "d"}), node("b", {"c"}), node("c", {"d"}), node("d", {"a"})}),
              ElementsAre(HasSubstr("dependency cycle: a -> d -> a;")));
}

TEST(Cycles, SelfDependencyInsideALargerCycleIsReportedSeparately) {
  EXPECT_THAT(texts({node("a", {"b"}), node("b", {"a", "b"})}),
              ElementsAre(HasSubstr("dependency cycle: a -> b -> a;"), HasSubstr("dependency cycle: b -> b;")));
}

TEST(Cycles, OptionalEdgesCountAndAreNamed) {
  const auto found = problems_of({node("a", {"b"}), node("b", {}, {"c"}), node("c", {}, {"a"})});
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].message, "dependency cycle: a -> b -> c -> a (b -> c and c -> a are optional)");
  EXPECT_THAT(found[0].fix, HasSubstr("optional dependencies still order shutdown"));
}

TEST(Cycles, GraphWithACycleHasNoOrder) {
  std::vector<problem> problems;
  const auto graph = resolve({node("a", {"b"}), node("b", {"a"}), node("c")}, problems);
  EXPECT_EQ(problems.size(), 1u);
  EXPECT_THAT(graph.order, IsEmpty());
}

// Declarations n0..n{count-1}; n{i} requires n{i-1}.
std::vector<declaration> chain(std::size_t count) {
  std::vector<declaration> declarations;
  for (std::size_t i = 0; i < count; ++i) {
    declarations.push_back(node("n" + std::to_string(i)));
    if (i > 0) declarations.back().required.push_back(on("n" + std::to_string(i - 1)));
  }
  return declarations;
}

TEST(LargeGraphs, TenThousandNodeChainResolvesWithoutRecursion) {
  const auto declarations = chain(10'000);
  std::vector<problem> problems;
  const auto graph = resolve(declarations, problems);
  EXPECT_THAT(problems, IsEmpty());
  ASSERT_EQ(graph.order.size(), 10'000u);
  for (std::size_t i = 0; i < graph.order.size(); ++i) ASSERT_EQ(graph.order[i], i);
}

TEST(LargeGraphs, TenThousandNodeCycleIsOneProblemWithTheWholePath) {
  auto declarations = chain(10'000);
  declarations.front().required.push_back(on("n9999"));
  const auto found = problems_of(declarations);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_THAT(found[0].message, HasSubstr("dependency cycle: n0 -> n9999 -> n9998 -> "));
  EXPECT_THAT(found[0].message, HasSubstr(" -> n1 -> n0"));
}

TEST(LargeGraphs, TenThousandNodesWithFiftyThousandEdgesResolve) {
  // Every node depends on its predecessor and on four random earlier nodes: about 50,000 edges.
  // No timing assertion, only that it completes and gives a full order.
  std::mt19937 random(7);
  std::vector<declaration> declarations;
  constexpr std::size_t count = 10'000;
  for (std::size_t i = 0; i < count; ++i) {
    declarations.push_back(node("n" + std::to_string(i)));
    for (int e = 0; e < 5 && i > 0; ++e) {
      const std::size_t to = e == 0 ? i - 1 : std::uniform_int_distribution<std::size_t>(0, i - 1)(random);
      auto& list = e % 2 == 0 ? declarations.back().required : declarations.back().optional;
      list.push_back(on("n" + std::to_string(to)));
    }
  }
  std::vector<problem> problems;
  const auto graph = resolve(declarations, problems);
  EXPECT_THAT(problems, IsEmpty());
  EXPECT_EQ(graph.order.size(), count);

  // An edge from the first node to the last puts every node on a cycle: still one report.
  declarations.front().required.push_back(on("n" + std::to_string(count - 1)));
  const auto found = problems_of(declarations);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_THAT(found[0].message, HasSubstr("dependency cycle: n0 -> n9999 -> "));
}

}  // namespace
}  // namespace lifespan::graph
