// Fuzz target: vigil's rules loader (apps/vigil/src/rules/rule.cpp), the YAML of rules files and of
// rules.d. Checked (rule.hpp): any text gives a rules document or a rule_error naming the file; no
// YAML exception or anything else escapes, and the rules returned have the form the loader promises
// (valid unique ids, non-empty patterns).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include "rules/rule.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const auto document = vigil::parse_rules_document(text, "fuzz.yaml");
    std::set<std::string> ids;
    for (const auto& r : document.rules) {
      if (r.id.empty() || r.pattern.empty() || !ids.insert(r.id).second) std::abort();
      (void)vigil::severity_name(r.level);
    }
    const auto in_force = vigil::parse_rules_yaml(text, "fuzz.yaml");
    if (in_force.size() != (document.enabled ? document.rules.size() : 0)) std::abort();
  } catch (const vigil::rule_error& e) {
    if (std::string_view(e.what()).find("fuzz.yaml") == std::string_view::npos) std::abort();  // names the file
  }
  return 0;
}
