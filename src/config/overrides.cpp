// Overrides from the environment (APP__SECTION__KEY=value) and the command line (--set a.b=value).
// An override replaces the value in the tree and stamps it with its own origin, so a later type
// error names the variable or the argument rather than the file it replaced.
#include "tree.hpp"

namespace lifespan::config {
namespace {

using kind = detail::node::kind;

std::vector<std::string_view> split(std::string_view text, std::string_view separator) {
  std::vector<std::string_view> parts;
  for (;;) {
    const auto at = text.find(separator);
    parts.push_back(text.substr(0, at));
    if (at == std::string_view::npos) return parts;
    text.remove_prefix(at + separator.size());
  }
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
char upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// Creates the sections on the way as needed (a present-but-empty "db:" becomes a mapping). A
// value in the way is not silently replaced by a section: that is reported.
void assign(detail::node& root, const std::vector<std::string>& path, detail::node value, error_list& errors) {
  const origin where = value.where;
  detail::node* n = &root;
  for (std::size_t depth = 0;; ++depth) {
    if (n->type == kind::null) n->type = kind::mapping;
    if (n->type != kind::mapping) {
      const std::vector<std::string> prefix(path.begin(), path.begin() + static_cast<std::ptrdiff_t>(depth));
      const std::string blocker = detail::join_key(prefix);
      errors.push_back(error{detail::join_key(path), where,
                             "cannot set this key: " + blocker + " is " + detail::describe(*n) + " (" +
                                 n->where.to_string() + "), not a section",
                             "override " + blocker + " itself, or change it in the file"});
      return;
    }
    detail::entry* e = n->find(path[depth]);
    if (depth + 1 == path.size()) {
      if (e != nullptr) {
        e->key_where = where;
        e->value = std::move(value);
      } else {
        n->add(detail::entry{path[depth], where, std::move(value)});
      }
      return;
    }
    if (e == nullptr) {
      detail::node section;
      section.type = kind::mapping;
      section.where = where;
      e = &n->add(detail::entry{path[depth], where, std::move(section)});
    }
    n = &e->value;
  }
}

void apply(detail::node& root, const std::vector<std::string>& path, std::string_view text, const origin& where,
           error_list& errors) {
  std::string problem;
  auto value = detail::parse_override_value(text, where, problem);
  if (!value) {
    errors.push_back(error{detail::join_key(path), where, std::move(problem),
                           "quote the whole value to use it as text"});
    return;
  }
  assign(root, path, std::move(*value), errors);
}

}  // namespace

void document::apply_environment(std::string_view app, char** environ_entries, error_list& errors) {
  if (!impl_) impl_ = std::make_unique<impl>();
  if (environ_entries == nullptr || app.empty()) return;

  std::string form;
  for (char c : app) form += upper(c);
  form += "__SECTION__KEY=value";

  for (char** entry = environ_entries; *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    const auto equals = text.find('=');
    const std::string_view name = text.substr(0, equals);
    const auto parts = split(name, "__");
    // Only APP__... is ours; APP alone or APP_OTHER belongs to someone else.
    if (parts.size() < 2 || !equals_ignoring_case(parts[0], app)) continue;

    const origin where{"environment " + std::string(name)};
    bool well_formed = equals != std::string_view::npos && parts.size() >= 3;
    for (std::size_t i = 1; i < parts.size() && well_formed; ++i) {
      // An empty name or a stray underscore at an edge means a triple underscore or a trailing "__".
      well_formed = !parts[i].empty() && parts[i].front() != '_' && parts[i].back() != '_';
    }
    if (!well_formed) {
      errors.push_back(error{"", where, "malformed override: expected " + form,
                             "separate the section and every key with a double underscore, e.g. " +
                                 form.substr(0, app.size()) + "__DB__POOL_SIZE=8"});
      continue;
    }

    std::vector<std::string> path;
    for (std::size_t i = 1; i < parts.size(); ++i) {
      std::string part;
      for (char c : parts[i]) part += lower(c);
      path.push_back(std::move(part));
    }
    apply(impl_->root, path, text.substr(equals + 1), where, errors);
  }
}

void document::apply_set(std::string_view assignment, error_list& errors) {
  if (!impl_) impl_ = std::make_unique<impl>();
  // The origin names the key, never the value: values can be secrets (--set db.url=postgresql://u:pw@...).
  const auto equals = assignment.find('=');
  const origin where{"--set " + std::string(assignment.substr(0, equals))};
  const auto parts = split(trim(assignment.substr(0, equals)), ".");

  bool well_formed = equals != std::string_view::npos && parts.size() >= 2;
  for (const auto part : parts) well_formed = well_formed && !part.empty();
  if (!well_formed) {
    errors.push_back(error{"", where, "malformed argument: expected --set section.key=value",
                           "for example --set shutdown.timeout=30s"});
    return;
  }
  std::vector<std::string> path(parts.begin(), parts.end());
  apply(impl_->root, path, assignment.substr(equals + 1), where, errors);
}

}  // namespace lifespan::config
