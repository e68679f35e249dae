#pragma once
// Random valid component graphs for the runtime's property tests.
//
// Component i may depend only on components 0..i-1, so every graph is acyclic. Criticalities are
// chosen from the last component to the first: when component j is chosen, every component that may
// require it (all have higher indices) is already chosen, so `demand[j]`, the strongest effective
// criticality that requires j, is final; a non-lazy j is then made at least that strong, and a lazy j
// takes it on (exactly the propagation graph::resolve() performs). The result always validates.
#include <algorithm>
#include <cstddef>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "lifespan/core/state.hpp"

namespace lifespan::test {

struct random_graph {
  std::vector<criticality> declared;
  std::vector<criticality> effective;               // as graph::resolve() must compute it
  std::vector<std::vector<std::size_t>> required;   // per component, indices < its own
  std::vector<std::vector<std::size_t>> optional;
  std::vector<std::vector<std::size_t>> dependents;  // per component: who requires it or uses it optionally

  std::size_t size() const { return declared.size(); }
  bool eager(std::size_t i) const { return effective[i] != criticality::lazy; }
};

inline std::string component_name(std::size_t i) {
  return (i < 10 ? "c0" : "c") + std::to_string(i);
}

// `density` is the chance of a required edge between any two components (optional edges: half of it).
inline random_graph make_random_graph(std::mt19937& random, std::size_t size, double density) {
  using c = criticality;
  const auto rank = [](c level) { return static_cast<int>(level); };
  const auto chance = [&](double p) { return std::bernoulli_distribution(p)(random); };
  random_graph g;
  g.declared.assign(size, c::lazy);
  g.effective.assign(size, c::lazy);
  g.required.resize(size);
  g.optional.resize(size);
  g.dependents.resize(size);
  std::vector<std::optional<c>> demand(size);

  for (std::size_t j = size; j-- > 0;) {
    // Lazy components are rarer than the others, so that most graphs start most of their components.
    std::vector<c> choices;
    for (c level : {c::critical, c::ready, c::background}) {
      if (!demand[j] || rank(level) <= rank(*demand[j])) choices.insert(choices.end(), 3, level);
    }
    choices.push_back(c::lazy);
    g.declared[j] = choices[std::uniform_int_distribution<std::size_t>(0, choices.size() - 1)(random)];
    g.effective[j] = g.declared[j] != c::lazy ? g.declared[j] : demand[j].value_or(c::lazy);

    for (std::size_t k = 0; k < j; ++k) {
      if (chance(density)) {
        g.required[j].push_back(k);
        if (g.effective[j] != c::lazy && (!demand[k] || rank(g.effective[j]) < rank(*demand[k]))) demand[k] = g.effective[j];
      } else if (chance(density / 2)) {
        g.optional[j].push_back(k);
      }
    }
    std::shuffle(g.required[j].begin(), g.required[j].end(), random);
    std::shuffle(g.optional[j].begin(), g.optional[j].end(), random);
  }
  for (std::size_t j = 0; j < size; ++j) {
    for (std::size_t k : g.required[j]) g.dependents[k].push_back(j);
    for (std::size_t k : g.optional[j]) g.dependents[k].push_back(j);
  }
  return g;
}

}  // namespace lifespan::test
