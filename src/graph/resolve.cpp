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
  graph.dependents.assign(n, {});
  std::vector<std::size_t> waiting(n, 0);  // dependencies not yet placed in the order
  for (std::size_t u = 0; u < n; ++u) {
    for (const auto* edges : {&graph.required[u], &graph.optional[u]}) {
      for (std::size_t v : *edges) graph.dependents[v].push_back(u);
      waiting[u] += edges->size();
    }
  }

  // Kahn's algorithm, always taking the first-declared node among those whose dependencies are all
  // placed: the order depends only on the graph and the declaration order.
  std::priority_queue<std::size_t, std::vector<std::size_t>, std::greater<>> ready;
  for (std::size_t u = 0; u < n; ++u) {
    if (waiting[u] == 0) ready.push(u);
  }
  graph.order.clear();
  graph.order.reserve(n);
  while (!ready.empty()) {
    const std::size_t v = ready.top();
    ready.pop();
    graph.order.push_back(v);
    for (std::size_t u : graph.dependents[v]) {
      if (--waiting[u] == 0) ready.push(u);
    }
  }
  if (graph.order.size() != n) graph.order.clear();  // a cycle: there is no order to give
}

}  // namespace detail

resolved resolve(const std::vector<declaration>& declarations, std::vector<problem>& problems) {
  // Problems are appended, so a caller can collect these together with its own (configuration, ...).
  resolved graph;
  detail::check_names(declarations, problems);
  detail::link(declarations, graph, problems);
  detail::check_cycles(declarations, graph, problems);
  detail::check_criticality(declarations, graph, problems);
  detail::order(graph);
  return graph;
}

}  // namespace lifespan::graph
