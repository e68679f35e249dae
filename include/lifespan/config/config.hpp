#pragma once
// Configuration: one YAML document, one top-level section per component (plus runtime sections such as
// `startup` and `shutdown`), overridden by the environment and the command line.
//
// Errors never throw: every problem is appended to an error list, so a run reports all of them at once.
// A `section` remembers which keys were read; `finish()` then reports every key nobody read as unknown,
// with the nearest known key as a suggestion. That is how strictness works without a separate schema:
// the code that reads a section is its schema.
//
// Lifetimes: a `document` owns the tree; `section` objects are views into it and must not outlive it.
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "lifespan/config/duration.hpp"

namespace lifespan::config {

// Where a value came from: a file and line, `environment VIGIL__DB__URL`, or `--set db.url=...`.
struct origin {
  std::string source;  // file path, "environment NAME" or "--set ARG"; empty for defaults
  int line = 0;        // 1-based; 0 when not from a file
  int column = 0;

  std::string to_string() const;  // "config.yaml:12:3", "environment VIGIL__DB__URL"
};

struct error {
  std::string key;      // dotted path: "db.pool_size"
  struct origin where;
  std::string message;  // what is wrong: "expected a duration such as 250ms or 5s, got '5 seconds'"
  std::string hint;     // how to fix it, may be empty: "did you mean 'pool_size'?"

  // "config.yaml:12:3: db.pool_size: expected ... (hint)". Each part is cut at a few hundred bytes
  // (a key or a quoted value may be as long as the file).
  std::string to_string() const;
};

using error_list = std::vector<error>;

// The largest configuration file read by default (a service's --config-max-bytes changes it): far
// beyond any real configuration, small enough that a hostile or mistaken file (a log, a dump) costs
// bounded time and memory.
inline constexpr std::size_t default_max_file_bytes = std::size_t{16} << 20;

// `value` quoted for an error message: "'text'", cut after `max` bytes as "'text...' (N bytes)", so
// that a hostile value is never echoed whole.
std::string quote(std::string_view value, std::size_t max = 60);

class document;

// A view on one mapping inside a document. Typed getters record the key as known; a value of the
// wrong type is reported as an error and the default is returned, so reading can go on.
class section {
 public:
  section() = default;

  const std::string& path() const noexcept { return path_; }  // "db", "shutdown", "" for the root
  bool exists() const noexcept;                               // false when the document has no such section
  bool has(std::string_view key) const;                       // marks the key as known
  // Same keys, values and order as `other` (where they were written does not count).
  bool same_content(const section& other) const;

  // Supported T: bool, std::int64_t, int, double, std::string, duration, std::vector<std::string>.
  template <class T> T get(std::string_view key, T fallback);
  template <class T> std::optional<T> find(std::string_view key);
  // Reports "missing required key" when absent.
  template <class T> std::optional<T> require(std::string_view key);

  section child(std::string_view key);        // a nested mapping, marked as known
  std::vector<std::string> keys() const;      // the keys present, in document order
  struct origin where(std::string_view key = {}) const;

  // Adds an error about `key` in this section (for checks the typed getters cannot express).
  void report(std::string_view key, std::string message, std::string hint = {});

  // Reports every key present but never read as "unknown key", with a suggestion from the keys that
  // were read. Call once, after every reader of this section has run. Recurses into children.
  void finish();

 private:
  friend class document;
  struct node_ref;
  section(std::shared_ptr<node_ref> node, std::string path, error_list* errors);
  std::shared_ptr<node_ref> node_;
  std::string path_;
  error_list* errors_ = nullptr;
};

class document {
 public:
  document();
  ~document();
  document(document&&) noexcept;
  document& operator=(document&&) noexcept;

  // A missing file or malformed YAML is reported in `errors` with its line; the result is then empty.
  // Only a regular file is read (opened without blocking: a FIFO, a socket or a device at the path is
  // an error naming its type, never a reader waiting forever), and only up to `max_bytes`: a larger
  // file is an error naming its size and the limit. Parsing is linear in the file's size.
  static document from_file(const std::filesystem::path& path, error_list& errors,
                            std::size_t max_bytes = default_max_file_bytes);
  static document from_string(std::string_view yaml, std::string source_name, error_list& errors);

  // APP__SECTION__KEY=value (and APP__SECTION__CHILD__KEY=value) from `environ`-style entries.
  // `app` is matched case-insensitively ("vigil" matches VIGIL__...); section and key names are
  // lower-cased. Values are parsed as YAML scalars or flow sequences ("[a, b]").
  void apply_environment(std::string_view app, char** environ_entries, error_list& errors);
  // "section.key=value" (the argument of --set); a malformed argument is reported.
  void apply_set(std::string_view assignment, error_list& errors);

  std::vector<std::string> section_names() const;  // top-level keys, in document order
  // A section view; errors found while reading it go to `errors`. Missing sections are empty views.
  section get(std::string_view name, error_list& errors) const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace lifespan::config
