#pragma once
// The dependency graph as declared, before any component exists: validation, resolution and export.
//
// `resolve()` is pure: it reads declarations and returns either a resolved graph or the complete list of
// problems (never just the first), each naming the component, the cause and the fix.
#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lifespan/core/state.hpp"

namespace lifespan::graph {

// Identity of a C++ type, stable within a process: the address of a per-type tag.
using type_key = const void*;

// A dependency names its target either by component name or by type (exactly one of the two).
struct dependency {
  std::string name;        // non-empty: by name
  type_key type = nullptr; // non-null (and name empty): by type; the unique component of that type
  std::string type_name;   // human-readable type, for messages ("database")
};

struct declaration {
  std::string name;
  lifespan::criticality criticality = lifespan::criticality::critical;
  type_key type = nullptr;
  std::string type_name;
  std::vector<dependency> required;  // must be up before this component starts
  std::vector<dependency> optional;  // never block the start; still ordered for shutdown
};

struct problem {
  std::string component;  // the component the problem is reported on (may be empty for global ones)
  std::string message;    // "requires 'databse', which is not registered"
  std::string fix;        // "did you mean 'database'? register it with service.add<...>(\"databse\")"
  std::string to_string() const;  // "component 'cache': requires ...; fix: ..."
};

// A node's edges: a view into the adjacency it came from, valid while that resolved graph lives and
// is not modified.
struct edge_list : std::span<const std::size_t> {
  edge_list(const std::size_t* first, std::size_t count) noexcept : std::span<const std::size_t>(first, count) {}
  using const_iterator = iterator;  // for generic code (GoogleTest's container matchers) that expects one
};

// The edge lists of every node in two arrays (compressed sparse rows): node u's edges are
// targets[offsets[u]] .. targets[offsets[u + 1] - 1]. Two allocations for a whole graph instead of one
// per node. Read it like a vector of lists: `graph.required[u]`, `graph.required.size()`.
struct adjacency {
  std::vector<std::size_t> offsets{0};  // size() + 1 entries, non-decreasing, front() == 0
  std::vector<std::size_t> targets;     // every node's list, one after the other
  std::size_t size() const noexcept { return offsets.size() - 1; }
  edge_list operator[](std::size_t u) const noexcept {
    return {targets.data() + offsets[u], offsets[u + 1] - offsets[u]};
  }
};

// Indices refer to positions in the declaration list passed to resolve().
struct resolved {
  adjacency required;    // per node: its required dependencies, in declaration order
  adjacency optional;    // per node: its optional dependencies, in declaration order
  adjacency dependents;  // per node: nodes that depend on it, either way, in ascending index order
  std::vector<std::size_t> order;  // topological: every dependency before its dependents
  // Criticality as the runtime applies it: a lazy component that a non-lazy component requires
  // (directly or through other lazy ones) takes the strongest criticality among those dependents.
  std::vector<lifespan::criticality> effective;
};

// Checks, all reported together:
//  - empty and duplicate names;
//  - dependencies on names that are not registered (with the nearest registered name as suggestion);
//  - dependencies by type with no component of that type, or with several (then: name one of them);
//  - a component depending on itself, and cycles over required and optional edges, each printed with
//    its full path "a -> b -> c -> a" (each distinct cycle once);
//  - criticality inversions: a critical component may only require critical (or lazy) components,
//    a ready-gating one only critical, ready or lazy ones (a background dependency could hold it forever);
//    the fix suggests raising the dependency's criticality or making the edge optional.
// On any problem, `problems` is non-empty and the returned graph must not be used.
resolved resolve(const std::vector<declaration>& declarations, std::vector<problem>& problems);
// resolve() over declarations stored elsewhere (the service's registrations): nothing is copied; the
// pointers must stay valid during the call only.
resolved resolve_referenced(std::span<const declaration* const> declarations, std::vector<problem>& problems);

// Graphviz DOT: one node per component labelled with its criticality, solid edges for required
// dependencies and dashed ones for optional, drawn from dependent to dependency.
std::string to_dot(const std::vector<declaration>& declarations, const resolved& graph);

// {"components":[{"name","criticality","requires":[...],"optional":[...]}], "edges":[{"from","to","kind"}]}
nlohmann::json to_json(const std::vector<declaration>& declarations, const resolved& graph);

}  // namespace lifespan::graph
