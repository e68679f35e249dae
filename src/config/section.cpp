// Section views: typed reading with errors instead of exceptions, and the bookkeeping of which keys
// were asked for, which is what makes finish() able to call everything else unknown.
#include <algorithm>

#include "lifespan/util/nearest_name.hpp"
#include "tree.hpp"

namespace lifespan::config {
namespace {

using kind = detail::node::kind;

std::string dotted(const std::string& path, std::string_view key) {
  if (path.empty()) return std::string(key);
  if (key.empty()) return path;
  return path + "." + std::string(key);
}

// Suggestions come from the keys somebody asked for, so a typo is matched against what the code
// actually reads, not against everything else the user wrote.
std::string unknown_key_hint(std::string_view key, const std::vector<std::string>& known) {
  if (auto nearest = nearest_name(key, known)) return "did you mean '" + *nearest + "'?";
  constexpr std::size_t listed = 8;
  if (known.empty() || known.size() > listed) return {};
  std::string hint = "known keys here: ";
  for (std::size_t i = 0; i < known.size(); ++i) hint += (i ? ", " : "") + known[i];
  return hint;
}

}  // namespace

std::string origin::to_string() const {
  if (line <= 0) return source;
  std::string text = source + ":" + std::to_string(line);
  if (column > 0) text += ":" + std::to_string(column);
  return text;
}

std::string quote(std::string_view value, std::size_t max) {
  if (value.size() <= max) return "'" + std::string(value) + "'";
  return "'" + std::string(value.substr(0, max)) + "...' (" + std::to_string(value.size()) + " bytes)";
}

namespace {

// One part of an error line, cut at `max` bytes with the length it had.
std::string bounded(const std::string& part, std::size_t max) {
  if (part.size() <= max) return part;
  return part.substr(0, max) + "... (" + std::to_string(part.size()) + " bytes)";
}

}  // namespace

std::string error::to_string() const {
  // Empty parts (no origin for a default, no key for a file-level problem) are left out entirely.
  constexpr std::size_t longest_key = 200, longest_text = 500;
  std::string text = bounded(where.to_string(), longest_key);
  for (const auto& part : {bounded(key, longest_key), bounded(message, longest_text)}) {
    if (part.empty()) continue;
    if (!text.empty()) text += ": ";
    text += part;
  }
  if (!hint.empty()) text += " (" + bounded(hint, longest_text) + ")";
  return text;
}

// --- node_ref ---

const detail::node* section::node_ref::resolve() const {
  const detail::node* n = root;
  for (const auto& key : path) {
    if (n == nullptr || n->type != kind::mapping) return nullptr;
    const detail::entry* e = n->find(key);
    n = e ? &e->value : nullptr;
  }
  return n;
}

const detail::entry* section::node_ref::lookup(std::string_view key) const {
  const detail::node* n = resolve();
  return n && n->type == kind::mapping ? n->find(key) : nullptr;
}

std::shared_ptr<section::node_ref> section::node_ref::child(std::string_view key) {
  known.emplace(key);
  if (auto it = children.find(key); it != children.end()) return it->second;
  auto ref = std::make_shared<node_ref>();
  ref->root = root;
  ref->mutex = mutex;
  ref->path = path;
  ref->path.emplace_back(key);
  children.emplace(std::string(key), ref);
  return ref;
}

void section::node_ref::finish(error_list& errors) {
  const detail::node* n = resolve();
  if (n == nullptr || n->type != kind::mapping) return;
  std::vector<std::string> candidates;  // sorted, for hints that do not depend on hashing
  for (const auto& e : n->entries) {
    if (known.contains(e.key)) {
      if (auto it = children.find(e.key); it != children.end()) it->second->finish(errors);
      continue;
    }
    if (!reported.insert(e.key).second) continue;  // finish() twice reports each key once
    if (candidates.empty()) {
      candidates.assign(known.begin(), known.end());
      std::sort(candidates.begin(), candidates.end());
    }
    const char* what = path.empty() ? "unknown section " : "unknown key ";
    errors.push_back(error{detail::join_key(path, e.key), e.key_where, what + quote(e.key),
                           unknown_key_hint(e.key, candidates)});
  }
}

// --- section ---

section::section(std::shared_ptr<node_ref> node, std::string path, error_list* errors)
    : node_(std::move(node)), path_(std::move(path)), errors_(errors) {}

bool section::exists() const noexcept {
  const detail::node* n = node_ ? node_->resolve() : nullptr;
  return n != nullptr && n->is_section();
}

namespace {

bool same_node(const detail::node& a, const detail::node& b) {
  if (a.type != b.type || a.text != b.text || a.items.size() != b.items.size() || a.entries.size() != b.entries.size())
    return false;
  for (std::size_t i = 0; i < a.items.size(); ++i)
    if (!same_node(a.items[i], b.items[i])) return false;
  for (std::size_t i = 0; i < a.entries.size(); ++i)
    if (a.entries[i].key != b.entries[i].key || !same_node(a.entries[i].value, b.entries[i].value)) return false;
  return true;
}

}  // namespace

bool section::same_content(const section& other) const {
  const detail::node* a = node_ ? node_->resolve() : nullptr;
  const detail::node* b = other.node_ ? other.node_->resolve() : nullptr;
  if (!a || !b) return a == b;
  return same_node(*a, *b);
}

bool section::has(std::string_view key) const {
  if (!node_) return false;
  {
    const std::scoped_lock lock(*node_->mutex);
    node_->known.emplace(key);
  }
  return node_->lookup(key) != nullptr;
}

template <class T>
std::optional<T> section::find(std::string_view key) {
  if (!node_) return std::nullopt;
  {
    const std::scoped_lock lock(*node_->mutex);
    node_->known.emplace(key);
  }
  const detail::entry* e = node_->lookup(key);
  if (e == nullptr) return std::nullopt;
  T value{};
  std::string problem;
  std::string hint;
  if (detail::decode(e->value, value, problem, hint)) return value;
  if (errors_) errors_->push_back(error{dotted(path_, key), e->value.where, std::move(problem), std::move(hint)});
  return std::nullopt;
}

template <class T>
T section::get(std::string_view key, T fallback) {
  auto value = find<T>(key);
  return value ? std::move(*value) : std::move(fallback);
}

template <class T>
std::optional<T> section::require(std::string_view key) {
  auto value = find<T>(key);
  if (value || !node_ || node_->lookup(key) != nullptr) return value;  // present but wrong: already reported

  std::string hint;
  std::vector<std::string> unread;
  {
    const std::scoped_lock lock(*node_->mutex);
    for (const auto& k : keys()) {
      if (!node_->known.contains(k)) unread.push_back(k);
    }
  }
  if (auto nearest = nearest_name(key, unread)) {
    hint = "'" + *nearest + "' is written here; is it a misspelling?";
  } else if (path_.empty()) {
    hint = "add `" + std::string(key) + ":` at the top level";
  } else {
    hint = "add `" + std::string(key) + ": ...` under `" + path_ + ":`";
  }
  if (errors_) errors_->push_back(error{dotted(path_, key), where(), "missing required key", std::move(hint)});
  return std::nullopt;
}

section section::child(std::string_view key) {
  if (!node_) return section{};
  const std::scoped_lock lock(*node_->mutex);
  auto ref = node_->child(key);
  const detail::entry* e = node_->lookup(key);
  // Reported once, however many readers ask for the same section. The key is known from here on,
  // so finish() never looks at `reported` for it.
  if (e != nullptr && !e->value.is_section() && errors_ && node_->reported.emplace(key).second) {
    errors_->push_back(error{dotted(path_, key), e->value.where,
                             "expected a section of settings, got " + detail::describe(e->value),
                             "write the settings indented under `" + std::string(key) + ":`"});
  }
  return section(std::move(ref), dotted(path_, key), errors_);
}

std::vector<std::string> section::keys() const {
  std::vector<std::string> result;
  const detail::node* n = node_ ? node_->resolve() : nullptr;
  if (n == nullptr || n->type != kind::mapping) return result;
  result.reserve(n->entries.size());
  for (const auto& e : n->entries) result.push_back(e.key);
  return result;
}

origin section::where(std::string_view key) const {
  if (!node_) return {};
  if (key.empty()) {
    const detail::node* n = node_->resolve();
    return n ? n->where : origin{};
  }
  const detail::entry* e = node_->lookup(key);
  return e ? e->value.where : origin{};
}

void section::report(std::string_view key, std::string message, std::string hint) {
  if (!errors_) return;
  origin at = where(key);
  if (at.source.empty()) at = where();  // an absent key: point at its section
  errors_->push_back(error{dotted(path_, key), std::move(at), std::move(message), std::move(hint)});
}

void section::finish() {
  if (!node_ || !errors_) return;
  const std::scoped_lock lock(*node_->mutex);
  node_->finish(*errors_);
}

// The supported types. Any other T (say, const char* or std::chrono::seconds deduced from a
// fallback) is a link error: spell the type, as in get<duration>("timeout", 5s).
#define LIFESPAN_CONFIG_INSTANTIATE(T)                           \
  template T section::get<T>(std::string_view, T);               \
  template std::optional<T> section::find<T>(std::string_view); \
  template std::optional<T> section::require<T>(std::string_view);

LIFESPAN_CONFIG_INSTANTIATE(bool)
LIFESPAN_CONFIG_INSTANTIATE(std::int64_t)
LIFESPAN_CONFIG_INSTANTIATE(int)
LIFESPAN_CONFIG_INSTANTIATE(double)
LIFESPAN_CONFIG_INSTANTIATE(std::string)
LIFESPAN_CONFIG_INSTANTIATE(duration)
LIFESPAN_CONFIG_INSTANTIATE(std::vector<std::string>)

#undef LIFESPAN_CONFIG_INSTANTIATE

}  // namespace lifespan::config
