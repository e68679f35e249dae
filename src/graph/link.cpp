// Names and types to node indices: empty and duplicate names, unknown names, and dependencies by
// type that match no component or several.
#include <algorithm>
#include <iterator>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "graph/detail.hpp"
#include "lifespan/util/nearest_name.hpp"

namespace lifespan::graph::detail {
namespace {

// Ambiguity messages list at most this many candidates, so a type registered a thousand times
// still gives a readable line.
constexpr std::size_t listed_candidates = 5;

constexpr std::size_t none = std::numeric_limits<std::size_t>::max();

enum class kind { required, optional };

std::string in_quotes(std::string_view text) { return "'" + std::string(text) + "'"; }

std::string type_label(const std::string& type_name) {
  return type_name.empty() ? std::string("<unnamed type>") : type_name;
}

// The template argument in a suggested service.add<...>() call.
std::string type_argument(const std::string& type_name) { return type_name.empty() ? "T" : type_name; }

// The verb phrase a message starts with, so that optional dependencies read differently.
std::string_view depends(kind k) {
  return k == kind::required ? "requires" : "has an optional dependency on";
}

// The component_builder call that declares a dependency of this kind by name.
std::string declare_call(kind k, std::string_view name) {
  return std::string(k == kind::required ? ".depends_on(\"" : ".optional(\"") + std::string(name) + "\")";
}

// Lookup tables built once per resolve(). Names map to their first registration: with duplicates
// the graph is reported as invalid anyway, and the first one gives the most predictable messages.
class linker {
 public:
  linker(const declaration_list& declarations, const name_index& by_name, std::vector<problem>& problems)
      : declarations_(declarations),
        problems_(problems),
        by_name_(by_name),
        required_by_(declarations.size(), none),
        optional_by_(declarations.size(), none) {}

  // Appends the node's lists; nodes must be linked in index order.
  void link_node(std::size_t from, resolved& graph) {
    for (const auto& dep : declarations_[from].required) {
      const auto to = find(from, dep, kind::required);
      if (to && required_by_[*to] != from) {
        required_by_[*to] = from;
        graph.required.targets.push_back(*to);
      }
    }
    graph.required.offsets.push_back(graph.required.targets.size());
    for (const auto& dep : declarations_[from].optional) {
      const auto to = find(from, dep, kind::optional);
      if (to && required_by_[*to] != from && optional_by_[*to] != from) {
        optional_by_[*to] = from;
        graph.optional.targets.push_back(*to);
      }
    }
    graph.optional.offsets.push_back(graph.optional.targets.size());
  }

 private:
  std::optional<std::size_t> find(std::size_t from, const dependency& dep, kind k) {
    if (!dep.name.empty()) return find_by_name(from, dep, k);
    if (dep.type != nullptr) return find_by_type(from, dep, k);
    report(from, std::string(depends(k)) + " a component without giving its name or type",
           "name the dependency: " + declare_call(k, "name"));
    return std::nullopt;
  }

  std::optional<std::size_t> find_by_name(std::size_t from, const dependency& dep, kind k) {
    if (auto it = by_name_.find(dep.name); it != by_name_.end()) return it->second;
    report(from, std::string(depends(k)) + " " + in_quotes(dep.name) + ", which is not registered",
           unknown_name_fix(from, dep));
    return std::nullopt;
  }

  // A typo gets the nearest registered name (never the component's own name, which would only
  // trade this problem for a self-dependency); otherwise, if the dependency also carries a type
  // and exactly one component has it, that component is the likely intent.
  std::string unknown_name_fix(std::size_t from, const dependency& dep) {
    const auto& self = declarations_[from].name;
    auto suggestion = nearest_name(dep.name, names());
    if (suggestion && *suggestion == self) {
      std::vector<std::string> others;
      std::copy_if(names().begin(), names().end(), std::back_inserter(others),
                   [&](const std::string& n) { return n != self; });
      suggestion = nearest_name(dep.name, others);
    }
    if (suggestion) return "did you mean " + in_quotes(*suggestion) + "?";
    if (dep.type != nullptr) {
      const auto& types = by_type();
      if (auto it = types.find(dep.type); it != types.end() && it->second.size() == 1 &&
                                             it->second.front() != from) {
        return "did you mean " + in_quotes(display_name(declarations_, it->second.front())) +
               ", the registered " + type_label(dep.type_name) + "?";
      }
    }
    return "register it with service.add<" + type_argument(dep.type_name) + ">(\"" + dep.name +
           "\"), or remove the dependency";
  }

  std::optional<std::size_t> find_by_type(std::size_t from, const dependency& dep, kind k) {
    const std::string subject =
        std::string(depends(k)) + " a component of type " + in_quotes(type_label(dep.type_name));
    const auto& types = by_type();
    const auto it = types.find(dep.type);
    if (it == types.end()) {
      report(from, subject + ", but none is registered",
             "register one with service.add<" + type_argument(dep.type_name) + ">(\"name\")");
      return std::nullopt;
    }
    const auto& candidates = it->second;
    if (candidates.size() == 1) return candidates.front();

    std::string listed;
    for (std::size_t i = 0; i < candidates.size() && i < listed_candidates; ++i) {
      listed += (i == 0 ? "" : ", ") + in_quotes(display_name(declarations_, candidates[i]));
    }
    if (candidates.size() > listed_candidates) {
      listed += " and " + std::to_string(candidates.size() - listed_candidates) + " more";
    }
    const std::string first = display_name(declarations_, candidates.front());
    report(from, subject + ", but " + std::to_string(candidates.size()) + " are registered (" + listed + ")",
           "name the one you mean: " + declare_call(k, first));
    return std::nullopt;
  }

  // Nodes of each type, in registration order; only built once a dependency is by type, or a name is
  // missing (most graphs name their dependencies).
  const std::unordered_map<type_key, std::vector<std::size_t>>& by_type() {
    if (!by_type_built_) {
      for (std::size_t i = 0; i < declarations_.size(); ++i)
        if (declarations_[i].type != nullptr) by_type_[declarations_[i].type].push_back(i);
      by_type_built_ = true;
    }
    return by_type_;
  }

  // Distinct names in registration order, only built once a name is found missing.
  const std::vector<std::string>& names() {
    if (names_.empty()) {
      for (std::size_t i = 0; i < declarations_.size(); ++i) {
        const auto& name = declarations_[i].name;
        if (!name.empty() && by_name_.at(name) == i) names_.push_back(name);
      }
    }
    return names_;
  }

  void report(std::size_t from, std::string message, std::string fix) {
    problems_.push_back({display_name(declarations_, from), std::move(message), std::move(fix)});
  }

  const declaration_list& declarations_;
  std::vector<problem>& problems_;
  const name_index& by_name_;
  std::unordered_map<type_key, std::vector<std::size_t>> by_type_;
  bool by_type_built_ = false;
  std::vector<std::string> names_;
  // The last node that took each node as a required (optional) dependency: makes the duplicate
  // check constant-time even for a component that depends on thousands of others.
  std::vector<std::size_t> required_by_, optional_by_;
};

}  // namespace

std::vector<const declaration*> pointers_to(const std::vector<declaration>& declarations) {
  std::vector<const declaration*> out;
  out.reserve(declarations.size());
  for (const auto& d : declarations) out.push_back(&d);
  return out;
}

std::string display_name(const declaration_list& declarations, std::size_t index) {
  const auto& name = declarations[index].name;
  return name.empty() ? "<unnamed #" + std::to_string(index + 1) + ">" : name;
}

name_index check_names(const declaration_list& declarations, std::vector<problem>& problems) {
  name_index first;
  first.reserve(declarations.size());
  // Registrations per name, by first registration; only allocated once a name repeats.
  std::vector<std::size_t> count;
  for (std::size_t i = 0; i < declarations.size(); ++i) {
    const auto& d = declarations[i];
    if (d.name.empty()) {
      const std::string type = d.type_name.empty() ? "" : " (type " + in_quotes(d.type_name) + ")";
      problems.push_back({"",
                          "component #" + std::to_string(i + 1) + type + " is registered with an empty name",
                          "give it a name: service.add<" + type_argument(d.type_name) + ">(\"name\")"});
      continue;
    }
    const auto [it, inserted] = first.emplace(d.name, i);
    if (inserted) continue;
    if (count.empty()) count.assign(declarations.size(), 1);
    ++count[it->second];
  }
  for (std::size_t i = 0; i < count.size(); ++i) {
    if (count[i] < 2) continue;
    problems.push_back({"",
                        "duplicate name " + in_quotes(declarations[i].name) + " (registered " +
                            std::to_string(count[i]) + " times)",
                        "give each component a unique name"});
  }
  return first;
}

void link(const declaration_list& declarations, const name_index& by_name, resolved& graph,
          std::vector<problem>& problems) {
  const std::size_t n = declarations.size();
  std::size_t required = 0, optional = 0;
  for (std::size_t i = 0; i < n; ++i) {
    required += declarations[i].required.size();
    optional += declarations[i].optional.size();
  }
  graph.required = {};
  graph.optional = {};
  graph.required.offsets.reserve(n + 1);
  graph.optional.offsets.reserve(n + 1);
  graph.required.targets.reserve(required);
  graph.optional.targets.reserve(optional);
  linker l(declarations, by_name, problems);
  for (std::size_t i = 0; i < n; ++i) l.link_node(i, graph);
}

}  // namespace lifespan::graph::detail
