#pragma once
// Signature rules as written in the rules YAML file, and the fields they can look at.
//
//   rules:
//     - id: sqli-union-select          # unique, [A-Za-z0-9_.-]+
//       category: sqli                 # free text; used in alerts, features and quality reports
//       severity: high                 # low | medium | high | critical
//       field: target                  # target | request | user_agent | referer | method
//       pattern: 'union\s+(all\s+)?select'   # Hyperscan (PCRE subset), matched caselessly
//       description: UNION-based SQL injection   # optional
//       case_sensitive: false          # optional
//       enabled: true                  # optional; false turns the rule off
//       fallback: false                # optional; true: only while CRS is not in force (CRS
//                                      # catches all this rule does, so with CRS it would repeat it)
//
// A top-level `enabled: false` turns the whole file off (rule_sources.hpp: rules.d files).
#include <array>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace vigil {

enum class rule_field : std::uint8_t { target, request, user_agent, referer, method };
inline constexpr std::size_t rule_field_count = 5;
inline constexpr std::array<std::string_view, rule_field_count> rule_field_names{
    "target", "request", "user_agent", "referer", "method"};

enum class severity : std::uint8_t { none = 0, low = 1, medium = 2, high = 3, critical = 4 };
std::string_view severity_name(severity s);
// The severity a rule or a setting names: low, medium, high or critical; nullopt for anything else.
std::optional<severity> severity_named(std::string_view name);

struct rule {
  std::string id;
  std::string category;
  severity level = severity::medium;
  rule_field field = rule_field::target;
  std::string pattern;
  std::string description;
  bool case_sensitive = false;
  bool fallback = false;  // matched only while CRS is not in force (rule_matcher::set_crs_in_force)
  std::string file;  // the file it was read from, for messages; empty when parsed from memory
};

// A rule file that cannot be used. what() names the file, the rule id (or its position) and the
// cause, e.g. "rules file x.yaml: rule 'sqli-1' (field target): Hyperscan: Missing close paren".
class rule_error : public std::runtime_error {
 public:
  explicit rule_error(const std::string& what, std::string file = {})
      : std::runtime_error(what), file_(std::move(file)) {}
  // The file (or rules.d directory) at fault, when the loader knows it; empty otherwise.
  const std::string& file() const noexcept { return file_; }

 private:
  std::string file_;
};

// A parsed rules file. The form of every rule (id, field, severity) is checked also in a file or
// rule that is turned off; `rules` holds only the enabled rules (whose patterns compile later).
struct rules_document {
  bool enabled = true;
  std::vector<rule> rules;
};

// Reads and validates rules (ids unique, known field and severity, non-empty pattern). Throws
// rule_error. `origin` names the source in messages.
rules_document parse_rules_document(std::string_view yaml_text, std::string_view origin);
// The rules in force of one file: none when the file is turned off.
std::vector<rule> parse_rules_yaml(std::string_view yaml_text, std::string_view origin);
std::string read_rules_file(const std::string& path);  // throws rule_error naming the path
std::vector<rule> load_rules_file(const std::string& path);

}  // namespace vigil
