// Property tests over random graphs. Each graph is built acyclic (edges only from later to earlier
// nodes) with criticalities chosen to satisfy the rules, so resolve() must accept it; one random
// edge that closes a cycle must then be reported as exactly one cycle, printed as a real cycle.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "builders.hpp"
#include "lifespan/graph/graph.hpp"

namespace lifespan::graph {
namespace {

using c = lifespan::criticality;

constexpr int graph_count = 300;
constexpr std::size_t max_size = 200;

std::string name_of(std::size_t i) { return "n" + std::to_string(i); }

int rank(criticality level) { return static_cast<int>(level); }

struct random_graph {
  std::vector<declaration> declarations;
  std::vector<std::vector<std::size_t>> required, optional;  // the intended edges, by index
  std::vector<criticality> effective;                        // what resolve() must compute
};

// Nodes are chosen from the last to the first: when node j is chosen, every node that may depend on
// it (all have higher indices) is already chosen, so `demand[j]`, the strongest level j must serve
// through required edges, is final. A non-lazy j must be at least that strong; a lazy j takes it on.
random_graph generate(std::mt19937& random, std::size_t size) {
  random_graph g;
  g.required.resize(size);
  g.optional.resize(size);
  g.effective.assign(size, c::lazy);
  std::vector<criticality> declared(size, c::lazy);
  std::vector<std::optional<criticality>> demand(size);
  const auto chance = [&](double p) { return std::bernoulli_distribution(p)(random); };
  const double density = std::uniform_real_distribution<double>(0.0, 0.2)(random);

  for (std::size_t j = size; j-- > 0;) {
    std::vector<criticality> choices{c::lazy};
    for (criticality level : {c::critical, c::ready, c::background}) {
      if (!demand[j] || rank(level) <= rank(*demand[j])) choices.push_back(level);
    }
    declared[j] = choices[std::uniform_int_distribution<std::size_t>(0, choices.size() - 1)(random)];
    g.effective[j] = declared[j] != c::lazy ? declared[j] : demand[j].value_or(c::lazy);

    for (std::size_t k = 0; k < j; ++k) {
      if (chance(density)) {
        g.required[j].push_back(k);
        if (g.effective[j] != c::lazy && (!demand[k] || rank(g.effective[j]) < rank(*demand[k]))) {
          demand[k] = g.effective[j];
        }
      } else if (chance(density / 2)) {
        g.optional[j].push_back(k);
      }
    }
    std::shuffle(g.required[j].begin(), g.required[j].end(), random);
    std::shuffle(g.optional[j].begin(), g.optional[j].end(), random);
  }

  for (std::size_t i = 0; i < size; ++i) {
    declaration d{name_of(i), declared[i], nullptr, "", {}, {}};
    for (std::size_t k : g.required[i]) d.required.push_back({name_of(k), nullptr, ""});
    for (std::size_t k : g.optional[i]) d.optional.push_back({name_of(k), nullptr, ""});
    g.declarations.push_back(std::move(d));
  }
  return g;
}

bool has_edge(const random_graph& g, std::size_t from, std::size_t to) {
  for (const auto* edges : {&g.required[from], &g.optional[from]}) {
    if (std::find(edges->begin(), edges->end(), to) != edges->end()) return true;
  }
  return false;
}

// "dependency cycle: n3 -> n7 -> n3 (n7 -> n3 is optional)" -> {3, 7, 3}
std::vector<std::size_t> parse_cycle(const std::string& message) {
  const std::string prefix = "dependency cycle: ";
  EXPECT_TRUE(message.starts_with(prefix)) << message;
  std::string path = message.substr(prefix.size());
  path = path.substr(0, path.find(" ("));
  std::vector<std::size_t> nodes;
  for (std::size_t at = 0;;) {
    const std::size_t arrow = path.find(" -> ", at);
    const std::string name = path.substr(at, arrow == std::string::npos ? std::string::npos : arrow - at);
    EXPECT_TRUE(name.starts_with("n")) << message;
    nodes.push_back(std::stoul(name.substr(1)));
    if (arrow == std::string::npos) break;
    at = arrow + 4;
  }
  return nodes;
}

// A random node, and a node reachable from it by a random walk along its dependencies (possibly
// itself): an edge from the second to the first closes a cycle.
std::pair<std::size_t, std::size_t> random_cycle_closer(std::mt19937& random, const random_graph& g) {
  const std::size_t start = std::uniform_int_distribution<std::size_t>(0, g.declarations.size() - 1)(random);
  std::size_t at = start;
  for (std::size_t steps = std::uniform_int_distribution<std::size_t>(0, 20)(random); steps > 0; --steps) {
    std::vector<std::size_t> next = g.required[at];
    next.insert(next.end(), g.optional[at].begin(), g.optional[at].end());
    if (next.empty()) break;
    at = next[std::uniform_int_distribution<std::size_t>(0, next.size() - 1)(random)];
  }
  return {at, start};
}

TEST(Property, RandomValidGraphsResolveWithAValidOrder) {
  std::mt19937 random(20240917);
  for (int round = 0; round < graph_count; ++round) {
    const std::size_t size = std::uniform_int_distribution<std::size_t>(1, max_size)(random);
    const auto g = generate(random, size);
    SCOPED_TRACE("round " + std::to_string(round) + ", " + std::to_string(size) + " nodes");

    std::vector<problem> problems;
    const auto graph = resolve(g.declarations, problems);
    for (const auto& p : problems) ADD_FAILURE() << p.to_string();
    if (!problems.empty()) return;

    ASSERT_EQ(graph.order.size(), size);
    std::vector<std::size_t> position(size, size);
    for (std::size_t i = 0; i < size; ++i) {
      ASSERT_LT(graph.order[i], size);
      ASSERT_EQ(position[graph.order[i]], size) << "node " << graph.order[i] << " appears twice";
      position[graph.order[i]] = i;
    }
    for (std::size_t u = 0; u < size; ++u) {
      for (const auto* edges : {&g.required[u], &g.optional[u]}) {
        for (std::size_t v : *edges) ASSERT_LT(position[v], position[u]) << name_of(v) << " before " << name_of(u);
      }
    }

    EXPECT_EQ(test::lists(graph.required), g.required);
    EXPECT_EQ(test::lists(graph.optional), g.optional);
    EXPECT_EQ(graph.effective, g.effective);
    for (std::size_t v = 0; v < size; ++v) {
      const std::set<std::size_t> unique(graph.dependents[v].begin(), graph.dependents[v].end());
      ASSERT_EQ(unique.size(), graph.dependents[v].size());
      for (std::size_t u : graph.dependents[v]) ASSERT_TRUE(has_edge(g, u, v));
    }
  }
}

// Declarations in random order (dependencies declared after their dependents too): the order is the
// one Kahn's algorithm gives when it always takes the first-declared ready node, computed here the
// slow way, and every dependents list is ascending.
TEST(Property, ShuffledDeclarationsTakeTheFirstDeclaredReadyNode) {
  std::mt19937 random(4242);
  for (int round = 0; round < graph_count / 3; ++round) {
    const std::size_t size = std::uniform_int_distribution<std::size_t>(1, max_size)(random);
    auto declarations = generate(random, size).declarations;
    std::shuffle(declarations.begin(), declarations.end(), random);
    SCOPED_TRACE("round " + std::to_string(round) + ", " + std::to_string(size) + " nodes");

    std::vector<problem> problems;
    const auto graph = resolve(declarations, problems);
    for (const auto& p : problems) ADD_FAILURE() << p.to_string();
    if (!problems.empty()) return;

    std::vector<std::size_t> at(size);  // original index -> position in the shuffled declarations
    for (std::size_t i = 0; i < size; ++i) at[std::stoul(declarations[i].name.substr(1))] = i;
    std::vector<std::vector<std::size_t>> deps(size);
    for (std::size_t i = 0; i < size; ++i) {
      for (const auto* list : {&declarations[i].required, &declarations[i].optional})
        for (const auto& d : *list) deps[i].push_back(at[std::stoul(d.name.substr(1))]);
    }
    std::vector<bool> placed(size, false);
    std::vector<std::size_t> expected;
    while (expected.size() < size) {
      std::size_t next = 0;
      while (placed[next] || !std::all_of(deps[next].begin(), deps[next].end(), [&](std::size_t d) { return placed[d]; }))
        ++next;
      placed[next] = true;
      expected.push_back(next);
    }
    EXPECT_EQ(graph.order, expected);
    for (std::size_t v = 0; v < size; ++v)
      EXPECT_TRUE(std::is_sorted(graph.dependents[v].begin(), graph.dependents[v].end()));
  }
}

TEST(Property, OneEdgeClosingACycleIsReportedAsARealCycle) {
  std::mt19937 random(77);
  for (int round = 0; round < graph_count; ++round) {
    const std::size_t size = std::uniform_int_distribution<std::size_t>(1, max_size)(random);
    auto g = generate(random, size);
    const auto [from, to] = random_cycle_closer(random, g);
    const bool required = std::bernoulli_distribution(0.5)(random);
    (required ? g.required : g.optional)[from].push_back(to);
    (required ? g.declarations[from].required : g.declarations[from].optional).push_back({name_of(to), nullptr, ""});
    SCOPED_TRACE("round " + std::to_string(round) + ": added " + name_of(from) + " -> " + name_of(to));

    std::vector<problem> problems;
    const auto graph = resolve(g.declarations, problems);
    EXPECT_TRUE(graph.order.empty());
    std::vector<std::vector<std::size_t>> cycles;
    for (const auto& p : problems) {
      if (p.message.starts_with("dependency cycle: ")) cycles.push_back(parse_cycle(p.message));
    }
    // Every cycle in the graph now goes through the new edge, and they all lie in one strongly
    // connected component: exactly one report.
    ASSERT_EQ(cycles.size(), 1u);
    const auto& cycle = cycles.front();
    ASSERT_GE(cycle.size(), 2u);
    EXPECT_EQ(cycle.front(), cycle.back());
    const std::set<std::size_t> distinct(cycle.begin(), cycle.end() - 1);
    EXPECT_EQ(distinct.size(), cycle.size() - 1) << "a cycle visits each node once";
    EXPECT_EQ(cycle.front(), *distinct.begin()) << "printed from its first-declared node";
    bool uses_new_edge = false;
    for (std::size_t i = 0; i + 1 < cycle.size(); ++i) {
      ASSERT_LT(cycle[i], size);
      EXPECT_TRUE(has_edge(g, cycle[i], cycle[i + 1])) << name_of(cycle[i]) << " -> " << name_of(cycle[i + 1]);
      uses_new_edge = uses_new_edge || (cycle[i] == from && cycle[i + 1] == to);
    }
    EXPECT_TRUE(uses_new_edge);
  }
}

}  // namespace
}  // namespace lifespan::graph
