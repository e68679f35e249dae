#pragma once
// Tuning as CRS operators do it, without turning rules off wholesale: each exclusion silences a rule
// (or every rule with a tag), optionally only for one query argument and/or under one path prefix.
// They compile into the SecLang CRS documents for the purpose (SecRuleRemoveById/ByTag,
// SecRuleUpdateTargetById/ByTag, and a phase-1 rule with ctl:ruleRemove* on REQUEST_FILENAME
// @beginsWith), so ModSecurity given the same directives agrees with vigil line for line.
//
// Written one per string, as key=value words:
//   "rule=942100"                          the rule, everywhere
//   "rule=942100-942199"                   a range of ids
//   "tag=attack-sqli"                      every rule with the tag
//   "rule=942100 arg=q"                    the rule stops looking at argument q (ARGS and ARGS_NAMES)
//   "rule=932150 path=/search arg=q"       ... only for requests under /search
//   "tag=attack-xss path=/cms/admin/"      every XSS rule, under /cms/admin/
#include <stdexcept>
#include <string>
#include <vector>

namespace vigil::crs {

struct exclusion {
  std::string rule;  // "942100" or "942100-942199"; empty when by tag
  std::string tag;
  std::string path;  // a prefix of REQUEST_FILENAME; empty: every path
  std::string arg;   // a query argument's name; empty: the whole rule

  // Throws std::invalid_argument naming the word that is wrong and how to write it.
  static exclusion parse(const std::string& text);
};

// The SecLang for `exclusions`, in order. Phase-1 rules get ids from `first_id` up (CRS leaves
// 1-99,999 to its users).
std::vector<std::string> exclusion_directives(const std::vector<exclusion>& exclusions, int first_id = 10000);

}  // namespace vigil::crs
