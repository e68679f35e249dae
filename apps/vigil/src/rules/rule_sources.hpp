#pragma once
// Where vigil's own signatures come from: one main rules file (the bundled signatures by default)
// plus an optional rules.d directory of extra YAML files, as operators keep site rules beside a
// packaged default.
//
//   rules.d/10-site.yaml      rules: [...]                   loaded
//   rules.d/20-legacy.yaml    enabled: false                 skipped (the whole file)
//                             rules: [...]
//   rules.d/README, x.yaml.disabled                          ignored (only *.yaml and *.yml count)
//
// Files load in name order, after the main file. A rule can also be turned off alone with
// `enabled: false`. Rule ids are unique across all files: a duplicate is an error naming both files.
// Loading is all or nothing: any bad file fails the whole set (on SIGHUP the old set stays).
#include <cstddef>
#include <string>
#include <vector>

#include "rules/rule.hpp"

namespace vigil {

struct rule_sources {
  rule_sources(std::string file = {}, std::string dir = {}) : file(std::move(file)), dir(std::move(dir)) {}
  std::string file;  // the main rules file
  std::string dir;   // rules.d directory; empty: none. A configured directory must exist.
};

// One file that was read, for check-rules and the status page.
struct rule_file_summary {
  std::string path;
  bool enabled = true;
  std::size_t rules = 0;  // enabled rules taken from it
};

struct loaded_rules {
  std::vector<rule> rules;
  std::vector<rule_file_summary> files;  // the main file first, then rules.d in name order
};

// Reads every source; throws rule_error naming the file (and rule) that is unusable.
loaded_rules load_rules(const rule_sources& sources);

}  // namespace vigil
