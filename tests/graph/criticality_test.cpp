// Criticality: which component may require which, and the effective criticality of lazy components.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <vector>

#include "builders.hpp"
#include "lifespan/graph/graph.hpp"

namespace lifespan::graph {
namespace {

using namespace lifespan::graph::test;

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using c = lifespan::criticality;

std::vector<criticality> effective(const std::vector<declaration>& declarations) {
  std::vector<problem> problems;
  return resolve(declarations, problems).effective;
}

// The full table: rows are the dependent, columns the dependency.
class RequiredEdge : public ::testing::TestWithParam<std::tuple<criticality, criticality>> {};

bool allowed(criticality dependent, criticality dependency) {
  switch (dependent) {
    case c::critical: return dependency == c::critical || dependency == c::lazy;
    case c::ready: return dependency != c::background;
    case c::background:
    case c::lazy: return true;  // an unreached lazy component holds nothing up
  }
  return false;
}

TEST_P(RequiredEdge, IsAllowedExactlyByTheRules) {
  const auto [dependent, dependency] = GetParam();
  const auto found = texts({component("dep", dependency), component("user", dependent, {"dep"})});
  if (allowed(dependent, dependency)) {
    EXPECT_THAT(found, IsEmpty());
  } else {
    ASSERT_EQ(found.size(), 1u);
    EXPECT_THAT(found[0], HasSubstr("component 'user' ("));
    EXPECT_THAT(found[0], HasSubstr("requires 'dep' ("));
    EXPECT_THAT(found[0], HasSubstr("which may never come up"));
  }
}

TEST_P(RequiredEdge, OptionalEdgesAreNeverRestricted) {
  const auto [dependent, dependency] = GetParam();
  EXPECT_THAT(texts({component("dep", dependency), component("user", dependent, {}, {"dep"})}), IsEmpty());
}

INSTANTIATE_TEST_SUITE_P(AllPairs, RequiredEdge,
                         ::testing::Combine(::testing::Values(c::critical, c::ready, c::background, c::lazy),
                                            ::testing::Values(c::critical, c::ready, c::background, c::lazy)));

TEST(Inversion, CriticalRequiringBackgroundNamesBothAndTheFix) {
  EXPECT_THAT(texts({component("cache", c::background), component("api", c::critical, {"cache"})}),
              ElementsAre("component 'api' (critical) requires 'cache' (background), which may never come up; "
                          "fix: make 'cache' critical, or make the dependency optional"));
}

TEST(Inversion, ReadyRequiringBackgroundSuggestsReadyOrCritical) {
  EXPECT_THAT(texts({component("cache", c::background), component("web", c::ready, {"cache"})}),
              ElementsAre("component 'web' (ready) requires 'cache' (background), which may never come up; "
                          "fix: make 'cache' ready or critical, or make the dependency optional"));
}

TEST(Inversion, ThroughLazyComponentsIsReportedWithThePath) {
  EXPECT_THAT(texts({component("cache", c::background), component("session", c::lazy, {"cache"}),
                     component("auth", c::lazy, {"session"}), component("api", c::critical, {"auth"})}),
              ElementsAre("component 'api' (critical) requires 'cache' (background) through "
                          "api -> auth -> session -> cache, which may never come up; fix: make 'cache' critical, "
                          "or make one of the dependencies on that path optional"));
}

TEST(Inversion, EveryViolatingEdgeIsReported) {
  const auto found = texts({component("a", c::background), component("b", c::ready), component("api", c::critical, {"a", "b"}),
                            component("web", c::ready, {"a"})});
  EXPECT_THAT(found, ElementsAre(HasSubstr("component 'api' (critical) requires 'a' (background)"),
                                 HasSubstr("component 'api' (critical) requires 'b' (ready)"),
                                 HasSubstr("component 'web' (ready) requires 'a' (background)")));
}

TEST(Inversion, LazyChainBehindAnOptionalEdgeIsUnrestricted) {
  EXPECT_THAT(texts({component("cache", c::background), component("session", c::lazy, {"cache"}),
                     component("api", c::critical, {}, {"session"})}),
              IsEmpty());
}

TEST(Effective, NonLazyComponentsKeepTheirCriticality) {
  EXPECT_THAT(effective({component("a", c::critical), component("b", c::ready), component("c", c::background)}),
              ElementsAre(c::critical, c::ready, c::background));
}

TEST(Effective, LazyComponentNobodyRequiresStaysLazy) {
  EXPECT_THAT(effective({component("l", c::lazy), component("m", c::lazy, {"l"})}), ElementsAre(c::lazy, c::lazy));
}

TEST(Effective, LazyComponentTakesTheStrongestRequirer) {
  EXPECT_THAT(effective({component("l", c::lazy), component("bg", c::background, {"l"}), component("web", c::ready, {"l"}),
                         component("api", c::critical, {"l"})}),
              ElementsAre(c::critical, c::background, c::ready, c::critical));
  EXPECT_THAT(effective({component("l", c::lazy), component("bg", c::background, {"l"}), component("web", c::ready, {"l"})}),
              ElementsAre(c::ready, c::background, c::ready));
}

TEST(Effective, PropagatesThroughChainsOfLazyComponentsOnly) {
  // api (critical) -> l1 (lazy) -> l2 (lazy) -> r (ready) -> l3 (lazy): l3 is raised by r, not by api.
  EXPECT_THAT(effective({component("l3", c::lazy), component("r", c::ready, {"l3"}), component("l2", c::lazy, {"r"}),
                         component("l1", c::lazy, {"l2"}), component("api", c::critical, {"l1"})}),
              ElementsAre(c::ready, c::ready, c::critical, c::critical, c::critical));
}

TEST(Effective, OptionalEdgesDoNotRaiseLazyComponents) {
  EXPECT_THAT(effective({component("l", c::lazy), component("api", c::critical, {}, {"l"})}), ElementsAre(c::lazy, c::critical));
}

TEST(Effective, RaisedLazyComponentIsCheckedAtItsEffectiveLevel) {
  // web (ready) -> l (lazy) -> bg (background): l runs as ready, so it may not require background.
  const auto found = texts({component("bg", c::background), component("l", c::lazy, {"bg"}), component("web", c::ready, {"l"})});
  ASSERT_EQ(found.size(), 1u);
  EXPECT_THAT(found[0], HasSubstr("component 'web' (ready) requires 'bg' (background) through web -> l -> bg"));
  // The same lazy component required by nobody may require anything.
  EXPECT_THAT(texts({component("bg", c::background), component("l", c::lazy, {"bg"})}), IsEmpty());
}

}  // namespace
}  // namespace lifespan::graph
