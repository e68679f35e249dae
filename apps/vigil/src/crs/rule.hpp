#pragma once
// A SecLang rule as vigil evaluates it: variables, transformations, one operator, actions. Built by
// rule_loader from CRS's files and immutable afterwards, so one loaded set is shared by every
// scanning thread. The semantics mirror libmodsecurity 3.0.9 (the reference engine the tests
// compare with); where they are surprising, the comment says so.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "crs/macro.hpp"
#include "crs/operators.hpp"
#include "crs/transform.hpp"

namespace vigil::crs {

// What an access-log line offers, and the transaction's own collections. `absent` stands for every
// variable ModSecurity knows that a log line never carries (bodies, cookies, files, XML, most
// headers...): a rule reading only those never matches here, and check-rules counts it.
enum class variable : std::uint8_t {
  args, args_get, args_names, args_get_names,
  request_line, request_method, request_protocol, request_uri, request_uri_raw,
  request_filename, request_basename, query_string,
  request_headers, request_headers_names, remote_addr, response_status,
  args_combined_size, tx, matched_var, matched_var_name, matched_vars, matched_vars_names,
  empty_scalar,  // a single value ModSecurity always has but a log line cannot fill (REQUEST_BODY): ""
  absent,        // a collection a log line never fills (cookies, files, XML, ARGS_POST): no value
};
inline constexpr std::size_t variable_count = static_cast<std::size_t>(variable::absent) + 1;

struct target {
  variable var = variable::absent;
  std::string collection;  // as ModSecurity names it: "ARGS", "REQUEST_HEADERS"
  std::string key;         // selector, lowercase; empty: every member
  std::shared_ptr<const regex> key_regex;  // `/.../` selector (caseless, as ModSecurity)
  bool count = false;      // `&VAR`: one value, the number of members
  std::string written;     // "ARGS:Foo" as written: exclusions compare it exactly, as ModSecurity
};

struct set_variable {
  enum class kind : std::uint8_t { assign, add, subtract, remove };
  kind op = kind::assign;
  std::string collection;  // "tx"; others (ip, global: persistent collections) are ignored
  macro_text name;         // lowercase when literal
  macro_text value;
};

// ctl: actions that change the rest of this transaction.
struct control {
  enum class kind : std::uint8_t { remove_by_id, remove_by_tag, remove_target_by_id, remove_target_by_tag, engine_off };
  kind op = kind::remove_by_id;
  int first_id = 0, last_id = 0;  // remove_by_id: a range (equal for one id); *_by_id: the rule
  std::string tag;                // *_by_tag
  std::string target;             // remove_target_*: "ARGS:foo", compared exactly with target::written
};

enum class disruption : std::uint8_t { none, pass, block, deny, allow_phase, allow_request, allow_all };

struct rule {
  int id = 0;  // 0 for chain links after the first and for markers
  std::uint32_t index = 0;  // position among the set's evaluable rules (first links), for bitsets
  int phase = 2;
  std::string file;
  int line = 0;

  // A SecMarker: the target of skipAfter; it does nothing itself.
  std::string marker;
  bool is_marker() const { return !marker.empty(); }

  std::vector<target> targets;
  std::vector<target> exclusions;  // `!VAR:key` on the rule, plus SecRuleUpdateTargetById
  std::unique_ptr<const operator_base> op;
  bool negated = false;
  std::vector<transform> transforms;  // after the last t:none, SecDefaultAction's first
  bool multi_match = false;           // the operator also runs on the value before and between transformations
  bool capture = false;

  std::vector<set_variable> set_variables;  // per matching value (ModSecurity v3 runs them then)
  std::vector<control> controls;            // after the whole chain matched
  std::string skip_after;
  int skip = 0;
  disruption action = disruption::none;
  bool log = true;

  // Metadata of the first link of a chain.
  macro_text msg, logdata;
  std::vector<std::string> tags;
  int severity = -1;  // 0 EMERGENCY .. 7 DEBUG; -1 unset
  int paranoia_level = 0;  // from tag paranoia-level/N; 0 when untagged

  std::unique_ptr<rule> chained;  // the next link; evaluated only when this one matched

  // Why the rule can never match on an access log (empty: it can). Such rules stay in the set, as
  // skipAfter and chains need them in place, but evaluation passes over them.
  std::string skipped_reason;

  bool has_tag(std::string_view t) const;
};

}  // namespace vigil::crs
