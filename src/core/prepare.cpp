#include "prepare.hpp"

#include <algorithm>
#include <span>
#include <string_view>
#include <unordered_set>

#include "lifespan/util/nearest_name.hpp"

extern char** environ;

namespace lifespan::detail {

std::shared_ptr<config::document> load_document(const config_source& source, config::error_list& errors) {
  auto doc = std::make_shared<config::document>();
  if (!source.file.empty()) *doc = config::document::from_file(source.file, errors, source.max_file_bytes);
  if (source.read_environment) doc->apply_environment(source.app, environ, errors);
  for (const auto& assignment : source.overrides) doc->apply_set(assignment, errors);
  for (const auto& assignment : source.defaults) {  // validated by config_default(): "section.key=value"
    const auto dot = assignment.find('.'), equals = assignment.find('=');
    config::error_list ignored;
    const auto keys = doc->get(assignment.substr(0, dot), ignored).keys();
    if (std::find(keys.begin(), keys.end(), assignment.substr(dot + 1, equals - dot - 1)) == keys.end())
      doc->apply_set(assignment, errors);
  }
  return doc;
}

std::vector<std::string> listed(const std::vector<std::string>& problems) {
  constexpr std::size_t shown = 100;
  if (problems.size() <= shown) return problems;
  std::vector<std::string> out(problems.begin(), problems.begin() + shown);
  out.push_back("... and " + std::to_string(problems.size() - shown) + " more");
  return out;
}

std::vector<graph::declaration> declarations_of(const std::deque<registration>& registrations) {
  std::vector<graph::declaration> out;
  out.reserve(registrations.size());
  for (const auto& r : registrations) out.push_back(r.decl);
  return out;
}

std::vector<component_settings> read_sections(const std::deque<registration>& registrations,
                                              const config::document& doc, std::vector<std::string>& problems) {
  config::error_list errors;
  std::vector<component_settings> out;
  out.reserve(registrations.size());
  // Top-level sections present in the document. A component with no options of its own and no
  // section keeps its registered defaults without a section lookup (each costs allocations in the
  // document, and most of ten thousand components have nothing configured).
  const auto present = doc.section_names();
  std::unordered_set<std::string_view> present_set(present.begin(), present.end());
  for (const auto& r : registrations) {
    const std::string& name = r.decl.name;
    if (!r.read_options && name.find('.') == std::string::npos && !present_set.contains(name)) {
      out.push_back(component_settings{r.timeouts, {}});
      continue;
    }
    auto section = doc.get(name, errors);
    out.push_back(read_component_settings(section, r.timeouts));
    if (r.read_options) {
      try {
        r.read_options(section);
      } catch (const std::exception& e) {
        section.report({}, std::string("invalid configuration: ") + e.what());
      }
    }
    section.finish();
  }
  if (!present.empty()) {
    // Sections that name a component or a runtime section: a pass over the registrations against the
    // few sections present, rather than a set of every registered name.
    std::unordered_set<std::string_view> claimed;
    for (const auto& name : runtime_sections)
      if (present_set.contains(name)) claimed.insert(name);
    for (const auto& r : registrations)
      if (claimed.size() < present_set.size() && present_set.contains(r.decl.name)) claimed.insert(r.decl.name);
    std::vector<std::string> known_names;  // for suggestions, in the order they were known before
    for (const auto& name : present) {
      if (claimed.contains(name)) continue;
      if (known_names.empty()) {
        known_names = runtime_sections;
        for (const auto& r : registrations) known_names.push_back(r.decl.name);
      }
      auto hint = nearest_name(name, known_names);
      errors.push_back({name, doc.get(name, errors).where(), "section " + config::quote(name) + " names no component",
                        hint ? "did you mean '" + *hint + "'?" : "remove it, or register a component named " + config::quote(name)});
    }
  }
  for (const auto& e : errors) problems.push_back(e.to_string());
  return out;
}

std::optional<prepared> prepare(const std::deque<registration>& registrations, const config_source& source,
                                std::vector<std::string>& problems) {
  prepared p;
  std::vector<graph::problem> graph_problems;
  std::vector<const graph::declaration*> declarations;  // the registrations' own: nothing copied
  declarations.reserve(registrations.size());
  for (const auto& r : registrations) declarations.push_back(&r.decl);
  p.graph = graph::resolve_referenced(declarations, graph_problems);
  for (const auto& gp : graph_problems) problems.push_back(gp.to_string());

  config::error_list errors;
  p.document = load_document(source, errors);
  p.settings = read_runtime_settings(*p.document, errors);
  for (const auto& e : errors) problems.push_back(e.to_string());
  p.components = read_sections(registrations, *p.document, problems);
  if (!problems.empty()) return std::nullopt;
  return p;
}

}  // namespace lifespan::detail
