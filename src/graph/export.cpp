// Exports of a resolved graph for people (Graphviz DOT) and tools (JSON). Both list components in
// declaration order and each component's dependencies in the order they were declared, so the output
// is deterministic and diffs between versions of a service stay small.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "graph/detail.hpp"

namespace lifespan::graph {
namespace {

// Contents of a DOT double-quoted string. Backslashes are doubled so that a name can never form a
// label escape such as \n or \N by accident.
std::string dot_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': break;
      default: out += c;
    }
  }
  return out;
}

// A lazy component started at startup shows the criticality it runs with.
std::string criticality_label(const declaration& d, const resolved& graph, std::size_t i) {
  std::string label(detail::criticality_name(d.criticality));
  if (d.criticality == lifespan::criticality::lazy && i < graph.effective.size() &&
      graph.effective[i] != lifespan::criticality::lazy) {
    label += ", as ";
    label += detail::criticality_name(graph.effective[i]);
  }
  return label;
}

// The edge lists of node i, or none when the graph was not resolved that far.
edge_list edges_of(const adjacency& lists, std::size_t i) {
  return i < lists.size() ? lists[i] : edge_list(nullptr, 0);
}

}  // namespace

std::string to_dot(const std::vector<declaration>& items, const resolved& graph) {
  const auto pointers = detail::pointers_to(items);
  const detail::declaration_list declarations(pointers);
  std::vector<std::string> ids;  // quoted and escaped once, as every edge repeats them
  ids.reserve(declarations.size());
  for (std::size_t i = 0; i < declarations.size(); ++i) {
    ids.push_back("\"" + dot_escape(detail::display_name(declarations, i)) + "\"");
  }

  std::string dot = "digraph lifespan {\n  node [shape=box];\n";
  for (std::size_t i = 0; i < declarations.size(); ++i) {
    const std::string_view id = ids[i];
    // The label is the quoted id with "\n(criticality)" before its closing quote.
    dot.append("  ").append(id).append(" [label=").append(id.substr(0, id.size() - 1));
    dot.append("\\n(").append(criticality_label(declarations[i], graph, i)).append(")\"];\n");
  }
  for (std::size_t i = 0; i < declarations.size(); ++i) {
    for (std::size_t to : edges_of(graph.required, i)) {
      dot.append("  ").append(ids[i]).append(" -> ").append(ids[to]).append(";\n");
    }
    for (std::size_t to : edges_of(graph.optional, i)) {
      dot.append("  ").append(ids[i]).append(" -> ").append(ids[to]).append(" [style=dashed];\n");
    }
  }
  dot += "}\n";
  return dot;
}

nlohmann::json to_json(const std::vector<declaration>& items, const resolved& graph) {
  const auto pointers = detail::pointers_to(items);
  const detail::declaration_list declarations(pointers);
  const auto name = [&](std::size_t i) { return detail::display_name(declarations, i); };
  auto components = nlohmann::json::array();
  auto edges = nlohmann::json::array();
  for (std::size_t i = 0; i < declarations.size(); ++i) {
    auto required = nlohmann::json::array();
    auto optional = nlohmann::json::array();
    for (std::size_t to : edges_of(graph.required, i)) {
      required.push_back(name(to));
      edges.push_back({{"from", name(i)}, {"to", name(to)}, {"kind", "required"}});
    }
    for (std::size_t to : edges_of(graph.optional, i)) {
      optional.push_back(name(to));
      edges.push_back({{"from", name(i)}, {"to", name(to)}, {"kind", "optional"}});
    }
    components.push_back({{"name", name(i)},
                          {"criticality", std::string(detail::criticality_name(declarations[i].criticality))},
                          {"requires", std::move(required)},
                          {"optional", std::move(optional)}});
  }
  return {{"components", std::move(components)}, {"edges", std::move(edges)}};
}

}  // namespace lifespan::graph
