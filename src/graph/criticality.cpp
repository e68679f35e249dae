// Effective criticality of lazy components and criticality inversions over required edges.
//
// The rule: a component may require only components that come up at least as surely as it needs
// them. Ranking critical < ready < background (lower is stronger), a component may require a
// component of equal or lower rank; lazy components are started on demand by whoever requires them,
// so they take the strongest criticality of their non-lazy requirers (through chains of lazy ones)
// and are then checked like any other. Optional edges never hold a start up and are unrestricted.
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include "graph/detail.hpp"

namespace lifespan::graph::detail {
namespace {

using lifespan::criticality;

constexpr std::size_t none = std::numeric_limits<std::size_t>::max();

int rank(criticality c) { return static_cast<int>(c); }

// May a component that runs as `dependent` require one declared as `dependency`? An unreached lazy
// dependent ranks below background, so it may require anything; a lazy dependency is always fine
// because it is raised to its requirer's level.
bool allowed(criticality dependent, criticality dependency) {
  return dependency == criticality::lazy || rank(dependency) <= rank(dependent);
}

// Propagates criticalities into lazy nodes, strongest first: a lazy node reached from a critical
// node is final and is not visited again by weaker ones, so every node is visited at most once and
// the whole pass is linear. `via` records, for each reached lazy node, the node it was reached from,
// so that a violation can be explained with its full path.
void propagate(const declaration_list& declarations, const resolved& graph,
               std::vector<criticality>& effective, std::vector<std::size_t>& via) {
  const std::size_t n = declarations.size();
  for (std::size_t i = 0; i < n; ++i) effective[i] = declarations[i].criticality;
  for (criticality level : {criticality::critical, criticality::ready, criticality::background}) {
    std::vector<std::size_t> queue;
    for (std::size_t i = 0; i < n; ++i) {
      if (declarations[i].criticality == level) queue.push_back(i);
    }
    for (std::size_t head = 0; head < queue.size(); ++head) {
      const std::size_t u = queue[head];
      for (std::size_t v : graph.required[u]) {
        if (declarations[v].criticality != criticality::lazy || via[v] != none) continue;
        effective[v] = level;
        via[v] = u;
        queue.push_back(v);
      }
    }
  }
}

// "api -> session -> cache": from the non-lazy node that raised `from` down to `to`.
std::string path_to(const declaration_list& declarations, const std::vector<std::size_t>& via,
                    std::size_t from, std::size_t to) {
  std::vector<std::size_t> chain{to, from};
  while (via[chain.back()] != none) chain.push_back(via[chain.back()]);
  std::string path;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    if (!path.empty()) path += " -> ";
    path += display_name(declarations, *it);
  }
  return path;
}

std::size_t root_of(const std::vector<std::size_t>& via, std::size_t node) {
  while (via[node] != none) node = via[node];
  return node;
}

}  // namespace

std::string_view criticality_name(criticality c) noexcept {
  switch (c) {
    case criticality::critical: return "critical";
    case criticality::ready: return "ready";
    case criticality::background: return "background";
    case criticality::lazy: return "lazy";
  }
  return "?";
}

void check_criticality(const declaration_list& declarations, resolved& graph,
                       std::vector<problem>& problems) {
  const std::size_t n = declarations.size();
  graph.effective.assign(n, criticality::critical);
  std::vector<std::size_t> via(n, none);
  propagate(declarations, graph, graph.effective, via);

  for (std::size_t u = 0; u < n; ++u) {
    const criticality level = graph.effective[u];
    for (std::size_t v : graph.required[u]) {
      const criticality target = declarations[v].criticality;
      if (allowed(level, target)) continue;

      // Through lazy nodes the problem belongs to the non-lazy component whose guarantee breaks.
      const bool through_lazy = via[u] != none;
      const std::size_t owner = through_lazy ? root_of(via, u) : u;
      const std::string name = display_name(declarations, v);
      std::string message = "(" + std::string(criticality_name(level)) + ") requires '" + name + "' (" +
                            std::string(criticality_name(target)) + ")";
      if (through_lazy) message += " through " + path_to(declarations, via, u, v);
      message += ", which may never come up";

      std::string fix = level == criticality::critical ? "make '" + name + "' critical"
                                                       : "make '" + name + "' ready or critical";
      fix += through_lazy ? ", or make one of the dependencies on that path optional"
                          : ", or make the dependency optional";
      problems.push_back({display_name(declarations, owner), std::move(message), std::move(fix)});
    }
  }
}

}  // namespace lifespan::graph::detail
