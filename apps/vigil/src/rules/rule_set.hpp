#pragma once
// A compiled, immutable rule set: one Hyperscan block-mode database per field that has rules
// (each rule compiled with SINGLEMATCH, so a rule reports at most once per line). Shared between
// threads through shared_ptr<const rule_set>; scanning needs a per-thread scratch, which
// rule_matcher owns.
#include <hs/hs.h>

#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "rules/rule.hpp"
#include "rules/rule_sources.hpp"

namespace vigil {

class rule_set {
 public:
  // Compiles every rule; throws rule_error naming the first rule Hyperscan rejects, its field and
  // Hyperscan's message. `origin` names the source in messages.
  static std::shared_ptr<const rule_set> compile(std::vector<rule> rules, std::string_view origin = "<memory>");
  static std::shared_ptr<const rule_set> load(const rule_sources& sources);
  static std::shared_ptr<const rule_set> load(const std::string& path) { return load(rule_sources(path)); }
  // Checks every pattern of the rules files without building the databases (hs_expression_info per
  // rule: milliseconds, where compile() takes most of a second for the bundled rules), so a service
  // can validate its configuration before its listener opens. Throws rule_error like compile().
  // What only a whole-database compile detects (resource limits) is left to compile().
  static void check(const rule_sources& sources);

  ~rule_set();
  rule_set(const rule_set&) = delete;
  rule_set& operator=(const rule_set&) = delete;

  const std::vector<rule>& rules() const { return rules_; }
  // The files the set came from (empty when compiled from memory).
  const std::vector<rule_file_summary>& files() const { return files_; }
  const hs_database_t* database(rule_field f) const { return databases_[static_cast<std::size_t>(f)]; }
  const hs_scratch_t* scratch_prototype() const { return scratch_; }
  // Category names in first-seen order; category_index(rule) indexes into it.
  const std::vector<std::string>& categories() const { return categories_; }
  std::size_t category_index(std::size_t rule_index) const { return rule_category_[rule_index]; }
  bool has_fallback() const { return has_fallback_; }

 private:
  rule_set() = default;
  static std::shared_ptr<rule_set> build(std::vector<rule> rules, std::string_view origin,
                                         std::vector<rule_file_summary> files);
  std::vector<rule> rules_;
  std::vector<rule_file_summary> files_;
  std::array<hs_database_t*, rule_field_count> databases_{};
  hs_scratch_t* scratch_ = nullptr;
  std::vector<std::string> categories_;
  std::vector<std::size_t> rule_category_;
  bool has_fallback_ = false;
};

// What a line offers to the rules, already normalised (see normalize.hpp).
struct match_input {
  std::array<std::string_view, rule_field_count> fields;
  std::string_view& operator[](rule_field f) { return fields[static_cast<std::size_t>(f)]; }
};

// Scans lines against one rule set. Owns a Hyperscan scratch, so one matcher per thread.
// Results for user agents and referers (few distinct values, repeated on most lines) are cached,
// bounded at cache_capacity entries per field (the cache is cleared when full).
class rule_matcher {
 public:
  explicit rule_matcher(std::shared_ptr<const rule_set> rules);
  ~rule_matcher();
  rule_matcher(const rule_matcher&) = delete;
  rule_matcher& operator=(const rule_matcher&) = delete;

  // Appends the indices (into rules()) of every rule that matches, in no particular order; while CRS
  // is in force, not those of `fallback` rules.
  void match(const match_input& input, std::vector<std::uint32_t>& hits);
  void set_crs_in_force(bool in_force) { crs_in_force_ = in_force; }

  const rule_set& rules() const { return *rules_; }
  const std::shared_ptr<const rule_set>& shared() const { return rules_; }

  static constexpr std::size_t cache_capacity = 4096;
  static constexpr std::size_t cache_max_key = 512;  // longer values are scanned every time

 private:
  struct text_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using hit_cache = std::unordered_map<std::string, std::vector<std::uint32_t>, text_hash, std::equal_to<>>;
  void scan(const hs_database_t* db, std::string_view text, std::vector<std::uint32_t>& hits);
  void match_all(const match_input& input, std::vector<std::uint32_t>& hits);

  std::shared_ptr<const rule_set> rules_;
  hs_scratch_t* scratch_ = nullptr;
  hit_cache agent_cache_, referer_cache_;
  std::vector<std::uint32_t> fresh_;
  bool crs_in_force_ = false;
};

}  // namespace vigil
