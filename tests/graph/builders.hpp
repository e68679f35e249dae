#pragma once
// Small declaration builders shared by the graph tests: components named by strings, dependencies
// by name only (no types).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "lifespan/graph/graph.hpp"

namespace lifespan::graph::test {

inline dependency on(std::string name) { return {std::move(name), nullptr, ""}; }

// Named apart from node(): node("a", {}, {"b"}) would otherwise bind {} to the criticality.
inline declaration component(std::string name, criticality level, std::vector<std::string> required = {},
                             std::vector<std::string> optional = {}) {
  declaration d{std::move(name), level, nullptr, "", {}, {}};
  for (auto& r : required) d.required.push_back(on(std::move(r)));
  for (auto& o : optional) d.optional.push_back(on(std::move(o)));
  return d;
}

inline declaration node(std::string name, std::vector<std::string> required = {}, std::vector<std::string> optional = {}) {
  return component(std::move(name), criticality::critical, std::move(required), std::move(optional));
}

inline std::vector<problem> problems_of(const std::vector<declaration>& declarations) {
  std::vector<problem> problems;
  resolve(declarations, problems);
  return problems;
}

inline std::vector<std::string> texts(const std::vector<declaration>& declarations) {
  std::vector<std::string> out;
  for (const auto& p : problems_of(declarations)) out.push_back(p.to_string());
  return out;
}

// Resolves a graph the test expects to be valid; any problem fails the test.
inline resolved resolve_ok(const std::vector<declaration>& declarations) {
  std::vector<problem> problems;
  auto graph = resolve(declarations, problems);
  for (const auto& p : problems) ADD_FAILURE() << p.to_string();
  return graph;
}

// An adjacency as one list per node, for comparisons with expected lists.
inline std::vector<std::vector<std::size_t>> lists(const adjacency& a) {
  std::vector<std::vector<std::size_t>> out;
  for (std::size_t u = 0; u < a.size(); ++u) out.emplace_back(a[u].begin(), a[u].end());
  return out;
}

}  // namespace lifespan::graph::test
