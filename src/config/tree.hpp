#pragma once
// The configuration tree, independent of yaml-cpp: every value keeps its origin, so an error found
// long after loading (or in a value that came from the environment) still points at its source.
//
// Internal to the config area. yaml-cpp appears only in the .cpp files.
#include <unordered_map>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_set>
#include <string>
#include <string_view>
#include <vector>

#include "lifespan/config/config.hpp"

namespace lifespan::config::detail {

struct entry;

// Hashes std::string and std::string_view alike (lookups by view without a copy).
struct key_hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

struct node {
  enum class kind { null, scalar, sequence, mapping };

  kind type = kind::null;
  std::string text;            // scalar only
  std::vector<node> items;     // sequence only
  std::vector<entry> entries;  // mapping only; document order, keys unique; append with add()
  origin where;

  // A null value reads as an empty mapping, so "metrics:" with nothing under it is a present section.
  bool is_section() const noexcept { return type == kind::mapping || type == kind::null; }

  // Constant time once the mapping is larger than a handful of keys (see index), so that building a
  // mapping of n keys (each checked for a duplicate) and reading it stay linear in n.
  const entry* find(std::string_view key) const;
  entry* find(std::string_view key);
  // Appends an entry whose key is not present yet (find() first); returns it.
  entry& add(entry e);

  // Key -> position in `entries`, kept from `indexed_from` entries on (small mappings, the common
  // case, are scanned). Copies and moves of the node carry it along: positions do not change.
  static constexpr std::size_t indexed_from = 16;
  std::unordered_map<std::string, std::size_t, key_hash, std::equal_to<>> index;
};

struct entry {
  std::string key;
  origin key_where;  // where the key is written; unknown-key errors point here
  node value;
};

// "db" + "pool_size" -> "db.pool_size"; the root has an empty path.
std::string join_key(const std::vector<std::string>& path, std::string_view key = {});

// "'ten'", "a list", "a mapping", "an empty value": what an error message says it got.
std::string describe(const node& n);

// --- yaml_loader.cpp ---

// Parses a whole document. Problems go to `errors`; nullopt when the text is not usable YAML.
// An empty document is an empty mapping; a top level that is not a mapping is an error.
std::optional<node> load_yaml(std::string_view text, const std::string& source, error_list& errors);

// An override value ("8", "[a, b]", "'quoted'"): a scalar or a flow sequence of scalars, all with
// origin `where`. Text that is not valid YAML is taken literally, except an unbalanced sequence.
// nullopt (with `problem` set) when the text cannot be an override value.
std::optional<node> parse_override_value(std::string_view text, const origin& where, std::string& problem);

// --- convert.cpp ---

// Typed reading of one value. On failure returns false and fills `problem` (the error message)
// and possibly `hint`; `out` is then unspecified.
bool decode(const node& n, bool& out, std::string& problem, std::string& hint);
bool decode(const node& n, std::int64_t& out, std::string& problem, std::string& hint);
bool decode(const node& n, int& out, std::string& problem, std::string& hint);
bool decode(const node& n, double& out, std::string& problem, std::string& hint);
bool decode(const node& n, std::string& out, std::string& problem, std::string& hint);
bool decode(const node& n, duration& out, std::string& problem, std::string& hint);
bool decode(const node& n, std::vector<std::string>& out, std::string& problem, std::string& hint);

}  // namespace lifespan::config::detail

namespace lifespan::config {

// The shared state behind every view of one section. Views of the same section (two calls to
// document::get, or a copied section) share one node_ref, so keys read through any of them count
// as known. The node itself is found again from the root on every access: overrides applied after
// a view was taken are seen, and no pointer into the tree is ever kept.
//
// document::get is const and may be called from several threads at once (components reload in
// parallel), so the bookkeeping below is guarded by one mutex per document. The tree itself is
// only read by views; it changes only in the non-const document::apply_* calls.
struct section::node_ref {
  const detail::node* root = nullptr;  // owned by the document
  std::mutex* mutex = nullptr;         // owned by the document; guards known, reported, children
  std::vector<std::string> path;
  // Hashed: the root's sets hold one entry per component, ten thousand in a large service.
  struct string_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  template <class V>
  using by_key = std::unordered_map<std::string, V, string_hash, std::equal_to<>>;
  using key_set = std::unordered_set<std::string, string_hash, std::equal_to<>>;
  key_set known;     // keys asked for, present or not
  key_set reported;  // unknown keys already reported by finish()
  by_key<std::shared_ptr<node_ref>> children;

  const detail::node* resolve() const;
  const detail::entry* lookup(std::string_view key) const;
  // The shared child view for `key` (created on first use); marks `key` as known. Needs the mutex.
  std::shared_ptr<node_ref> child(std::string_view key);
  // Needs the mutex.
  void finish(error_list& errors);
};

struct document::impl {
  detail::node root;
  std::mutex mutex;
  std::shared_ptr<section::node_ref> root_ref;

  impl();
};

}  // namespace lifespan::config
