// resolve(): runs every check in turn, each appending what it finds, then derives the start order.
#include <cstddef>
#include <functional>
#include <queue>
#include <string>
#include <vector>

#include "graph/detail.hpp"

namespace lifespan::graph {

// A message that opens with a parenthesised remark about the component ("(critical) requires ...")
// continues the subject instead of following a colon.
std::string problem::to_string() const {
  std::string text;
  if (!component.empty()) {
    text = "component '" + component + "'";
    text += message.starts_with('(') ? " " : ": ";
  }
  text += message;
  if (!fix.empty()) text += "; fix: " + fix;
  return text;
}

namespace detail {

void order(resolved& graph) {
  const std::size_t n = graph.required.size();
  // Dependents as compressed rows: count, prefix sums, then fill in ascending dependent order.
  auto& dependents = graph.dependents;
  dependents.offsets.assign(n + 1, 0);
  for (const auto* edges : {&graph.required, &graph.optional})
    for (std::size_t v : edges->targets) ++dependents.offsets[v + 1];
  for (std::size_t v = 0; v < n; ++v) dependents.offsets[v + 1] += dependents.offsets[v];
  dependents.targets.resize(dependents.offsets[n]);
  std::vector<std::size_t> fill(dependents.offsets.begin(), dependents.offsets.end() - 1);
  std::vector<std::size_t> waiting(n, 0);  // dependencies not yet placed in the order
  bool backwards = true;                   // every edge points to an earlier declaration
  for (std::size_t u = 0; u < n; ++u) {
    for (const auto* edges : {&graph.required, &graph.optional}) {
      for (std::size_t v : (*edges)[u]) {
        dependents.targets[fill[v]++] = u;
        backwards = backwards && v < u;
      }
      waiting[u] += (*edges)[u].size();
    }
  }

  graph.order.clear();
  graph.order.reserve(n);
  // Kahn's algorithm, always taking the first-declared node among those whose dependencies are all
  // placed: the order depends only on the graph and the declaration order. When every dependency is
  // declared before its dependents (the usual way to write a service), that is declaration order.
  if (backwards) {
    for (std::size_t u = 0; u < n; ++u) graph.order.push_back(u);
    return;
  }
  std::priority_queue<std::size_t, std::vector<std::size_t>, std::greater<>> ready;
  for (std::size_t u = 0; u < n; ++u) {
    if (waiting[u] == 0) ready.push(u);
  }
  while (!ready.empty()) {
    const std::size_t v = ready.top();
    ready.pop();
    graph.order.push_back(v);
    for (std::size_t u : dependents[v]) {
      if (--waiting[u] == 0) ready.push(u);
    }
  }
  if (graph.order.size() != n) graph.order.clear();  // a cycle: there is no order to give
}

}  // namespace detail

resolved resolve(const std::vector<declaration>& declarations, std::vector<problem>& problems) {
  const auto pointers = detail::pointers_to(declarations);
  return resolve_referenced(pointers, problems);
}

resolved resolve_referenced(std::span<const declaration* const> items, std::vector<problem>& problems) {
  // Problems are appended, so a caller can collect these together with its own (configuration, ...).
  const detail::declaration_list declarations(items);
  resolved graph;
  const auto by_name = detail::check_names(declarations, problems);
  detail::link(declarations, by_name, graph, problems);
  // A complete topological order proves the graph acyclic (a node on a cycle, or depending on
  // itself, never has all its dependencies placed), so the cycle search runs only when it fails.
  detail::order(graph);
  if (graph.order.size() != declarations.size()) detail::check_cycles(declarations, graph, problems);
  detail::check_criticality(declarations, graph, problems);
  return graph;
}

}  // namespace lifespan::graph
