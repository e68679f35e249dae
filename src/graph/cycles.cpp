// Cycles over required and optional edges (both order shutdown, so both must be acyclic).
//
// Enumerating every elementary cycle is exponential, so each cycle is reported through the strongly
// connected component it lies in: every non-trivial component holds at least one cycle, and breaking
// all of them needs at least one change per component. Self-dependencies are reported on their own,
// as they are the most common mistake and the easiest to fix. Everything here is iterative: a
// 10,000-node chain must not overflow the stack.
#include <algorithm>
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include "graph/detail.hpp"

namespace lifespan::graph::detail {
namespace {

constexpr std::size_t none = std::numeric_limits<std::size_t>::max();

// Successors over both kinds of edges, without self-loops (those are reported separately and
// would otherwise stand for their component's cycle).
adjacency successors(const resolved& graph) {
  adjacency next;
  next.offsets.reserve(graph.required.size() + 1);
  next.targets.reserve(graph.required.targets.size() + graph.optional.targets.size());
  for (std::size_t u = 0; u < graph.required.size(); ++u) {
    for (const auto* edges : {&graph.required, &graph.optional}) {
      for (std::size_t v : (*edges)[u]) {
        if (v != u) next.targets.push_back(v);
      }
    }
    next.offsets.push_back(next.targets.size());
  }
  return next;
}

// Tarjan's algorithm with an explicit call stack. Returns the component id of every node.
std::vector<std::size_t> strongly_connected(const adjacency& next,
                                            std::size_t& count) {
  const std::size_t n = next.size();
  std::vector<std::size_t> index(n, none), low(n, 0), component(n, none);
  std::vector<std::size_t> stack;  // Tarjan's stack: visited nodes whose component is still open
  std::vector<bool> on_stack(n, false);
  struct frame {
    std::size_t node;
    std::size_t edge;  // next successor to look at
  };
  std::vector<frame> calls;
  std::size_t counter = 0;
  count = 0;

  const auto enter = [&](std::size_t v) {
    index[v] = low[v] = counter++;
    stack.push_back(v);
    on_stack[v] = true;
    calls.push_back({v, 0});
  };

  for (std::size_t root = 0; root < n; ++root) {
    if (index[root] != none) continue;
    enter(root);
    while (!calls.empty()) {
      const std::size_t v = calls.back().node;
      if (calls.back().edge < next[v].size()) {
        const std::size_t w = next[v][calls.back().edge++];
        if (index[w] == none) {
          enter(w);
        } else if (on_stack[w]) {
          low[v] = std::min(low[v], index[w]);
        }
        continue;
      }
      calls.pop_back();
      if (!calls.empty()) low[calls.back().node] = std::min(low[calls.back().node], low[v]);
      if (low[v] != index[v]) continue;
      std::size_t w = none;
      do {
        w = stack.back();
        stack.pop_back();
        on_stack[w] = false;
        component[w] = count;
      } while (w != v);
      ++count;
    }
  }
  return component;
}

// The shortest cycle through `start` that stays inside its strongly connected component, found by
// breadth-first search; `parent` is shared between calls because components are disjoint.
std::vector<std::size_t> shortest_cycle(std::size_t start, const adjacency& next,
                                        const std::vector<std::size_t>& component,
                                        std::vector<std::size_t>& parent) {
  std::vector<std::size_t> queue{start};
  parent[start] = start;
  for (std::size_t head = 0; head < queue.size(); ++head) {
    const std::size_t u = queue[head];
    for (std::size_t v : next[u]) {
      if (v == start) {
        std::vector<std::size_t> cycle;
        for (std::size_t w = u; w != start; w = parent[w]) cycle.push_back(w);
        cycle.push_back(start);
        std::reverse(cycle.begin(), cycle.end());
        return cycle;
      }
      if (component[v] == component[start] && parent[v] == none) {
        parent[v] = u;
        queue.push_back(v);
      }
    }
  }
  return {};  // unreachable for a component of two or more nodes
}

bool is_required(const resolved& graph, std::size_t from, std::size_t to) {
  const auto edges = graph.required[from];
  return std::find(edges.begin(), edges.end(), to) != edges.end();
}

std::string join_edges(const std::vector<std::string>& edges) {
  std::string text;
  for (std::size_t i = 0; i < edges.size(); ++i) {
    if (i > 0) text += i + 1 == edges.size() ? " and " : ", ";
    text += edges[i];
  }
  return text;
}

}  // namespace

std::vector<std::vector<std::size_t>> find_cycles(const resolved& graph) {
  const auto next = successors(graph);
  std::size_t count = 0;
  const auto component = strongly_connected(next, count);

  std::vector<std::size_t> size(count, 0), first(count, none);
  for (std::size_t v = 0; v < next.size(); ++v) {
    ++size[component[v]];
    first[component[v]] = std::min(first[component[v]], v);
  }

  std::vector<std::vector<std::size_t>> cycles;
  for (std::size_t u = 0; u < graph.required.size(); ++u) {
    for (const edge_list edges : {graph.required[u], graph.optional[u]}) {
      if (std::find(edges.begin(), edges.end(), u) != edges.end()) cycles.push_back({u});
    }
  }
  std::vector<std::size_t> parent(next.size(), none);
  for (std::size_t c = 0; c < count; ++c) {
    if (size[c] > 1) cycles.push_back(shortest_cycle(first[c], next, component, parent));
  }
  std::sort(cycles.begin(), cycles.end());
  return cycles;
}

bool check_cycles(const declaration_list& declarations, const resolved& graph, std::vector<problem>& problems) {
  const auto cycles = find_cycles(graph);
  for (const auto& cycle : cycles) {
    std::string path;
    std::vector<std::string> optional_edges;
    for (std::size_t i = 0; i < cycle.size(); ++i) {
      const std::size_t from = cycle[i], to = cycle[(i + 1) % cycle.size()];
      path += display_name(declarations, from) + " -> ";
      if (!is_required(graph, from, to)) {
        optional_edges.push_back(display_name(declarations, from) + " -> " + display_name(declarations, to));
      }
    }
    path += display_name(declarations, cycle.front());

    std::string message = "dependency cycle: " + path;
    if (!optional_edges.empty()) {
      message += " (" + join_edges(optional_edges) + (optional_edges.size() == 1 ? " is" : " are") + " optional)";
    }
    std::string fix =
        cycle.size() == 1
            ? "remove the dependency of '" + display_name(declarations, cycle.front()) + "' on itself"
            : "remove one of these dependencies, or split one of the components; making one optional is "
              "not enough, as optional dependencies still order shutdown";
    problems.push_back({"", std::move(message), std::move(fix)});
  }
  return !cycles.empty();
}

}  // namespace lifespan::graph::detail
