#pragma once
// Internal steps of graph::resolve(), one translation unit each. Every step appends what it finds to
// `problems` and keeps going, so that resolve() can report everything at once.
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/container_hash/hash.hpp>
#include <boost/unordered/unordered_flat_map.hpp>

#include "lifespan/graph/graph.hpp"

namespace lifespan::graph::detail {

// The declarations being resolved, wherever the caller keeps them (indexable like the vector).
class declaration_list {
 public:
  explicit declaration_list(std::span<const declaration* const> items) noexcept : items_(items) {}
  const declaration& operator[](std::size_t i) const noexcept { return *items_[i]; }
  std::size_t size() const noexcept { return items_.size(); }

 private:
  std::span<const declaration* const> items_;
};

// Pointers to the elements of `declarations`, for a declaration_list over them.
std::vector<const declaration*> pointers_to(const std::vector<declaration>& declarations);

// Each non-empty name to its first registration. Keys view the declarations' names, which outlive it.
// Open addressing: one allocation for the whole table, where a node-based map makes one per name.
using name_index = boost::unordered_flat_map<std::string_view, std::size_t, boost::hash<std::string_view>>;

// The names lifespan uses for criticalities everywhere (configuration, logs, exports). Kept here
// because lifespan_graph does not link the core library that implements lifespan::to_string.
std::string_view criticality_name(lifespan::criticality c) noexcept;

// How messages refer to a node: its name, or "<unnamed #3>" (1-based registration position) for one
// registered without a name, which check_names() reports on its own.
std::string display_name(const declaration_list& declarations, std::size_t index);

// Empty names and names registered more than once; returns the index of names that link() resolves
// dependencies with.
name_index check_names(const declaration_list& declarations, std::vector<problem>& problems);

// Turns every dependency into a node index and fills graph.required / graph.optional.
// Postconditions: each list holds no index twice, and no index is in both lists of the same node
// (a dependency declared both ways is required). Dependencies that cannot be resolved are left out.
void link(const declaration_list& declarations, const name_index& by_name, resolved& graph,
          std::vector<problem>& problems);

// Every cycle to report, each as its node sequence without repeating the first node: one per node
// that depends on itself, and one per strongly connected component of two or more nodes (the
// shortest cycle through its first-declared node). Each cycle starts at its first-declared node,
// and the list is sorted, so the result is deterministic.
std::vector<std::vector<std::size_t>> find_cycles(const resolved& graph);

// Reports each cycle from find_cycles(); returns whether there was any.
bool check_cycles(const declaration_list& declarations, const resolved& graph, std::vector<problem>& problems);

// Fills graph.effective and reports criticality inversions over required edges.
void check_criticality(const declaration_list& declarations, resolved& graph, std::vector<problem>& problems);

// Fills graph.dependents and, when the graph is acyclic, graph.order (empty otherwise).
void order(resolved& graph);

}  // namespace lifespan::graph::detail
