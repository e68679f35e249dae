#include "crs/exclusions.hpp"

#include <algorithm>
#include <cctype>
#include <sstream>

namespace vigil::crs {
namespace {

bool all_of(const std::string& s, bool (*ok)(char)) { return !s.empty() && std::all_of(s.begin(), s.end(), ok); }
bool id_char(char c) { return std::isdigit(static_cast<unsigned char>(c)) || c == '-'; }
bool tag_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '/' || c == '.'; }
// No quotes, spaces, commas or semicolons: the values are pasted into SecLang.
bool path_char(char c) { return c > 0x20 && c < 0x7f && c != '"' && c != '\'' && c != ',' && c != ';' && c != '\\'; }
bool arg_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' || c == '[' || c == ']';
}

}  // namespace

exclusion exclusion::parse(const std::string& text) {
  exclusion e;
  std::istringstream words(text);
  for (std::string word; words >> word;) {
    const auto eq = word.find('=');
    const std::string key = word.substr(0, eq), value = eq == std::string::npos ? "" : word.substr(eq + 1);
    if (key == "rule" && all_of(value, id_char)) e.rule = value;
    else if (key == "tag" && all_of(value, tag_char)) e.tag = value;
    else if (key == "path" && value.starts_with("/") && all_of(value, path_char)) e.path = value;
    else if (key == "arg" && all_of(value, arg_char)) e.arg = value;
    else
      throw std::invalid_argument("exclusion '" + text + "': '" + word +
                                  "' is not rule=ID[-ID], tag=TAG, path=/PREFIX or arg=NAME");
  }
  if (e.rule.empty() == e.tag.empty())
    throw std::invalid_argument("exclusion '" + text + "': name either rule=ID or tag=TAG (one of them)");
  if (!e.arg.empty() && e.rule.find('-') != std::string::npos)
    throw std::invalid_argument("exclusion '" + text + "': arg= takes one rule, not a range (write one exclusion per rule)");
  return e;
}

std::vector<std::string> exclusion_directives(const std::vector<exclusion>& exclusions, int first_id) {
  std::vector<std::string> out;
  int id = first_id;
  for (const auto& e : exclusions) {
    const bool by_id = !e.rule.empty();
    const std::string who = by_id ? e.rule : e.tag;
    const std::string targets = "ARGS:" + e.arg + ",ARGS_NAMES:" + e.arg;
    if (e.path.empty()) {
      if (e.arg.empty()) {
        out.push_back((by_id ? "SecRuleRemoveById " : "SecRuleRemoveByTag ") + who);
      } else {
        const std::string kind = by_id ? "SecRuleUpdateTargetById " : "SecRuleUpdateTargetByTag ";
        out.push_back(kind + who + " \"!ARGS:" + e.arg + "|!ARGS_NAMES:" + e.arg + "\"");
      }
      continue;
    }
    std::string ctl;
    if (e.arg.empty()) {
      ctl = (by_id ? "ctl:ruleRemoveById=" : "ctl:ruleRemoveByTag=") + who;
    } else {
      const std::string kind = by_id ? "ctl:ruleRemoveTargetById=" : "ctl:ruleRemoveTargetByTag=";
      ctl = kind + who + ";ARGS:" + e.arg + "," + kind + who + ";ARGS_NAMES:" + e.arg;
    }
    out.push_back("SecRule REQUEST_FILENAME \"@beginsWith " + e.path + "\" \"id:" + std::to_string(id++) +
                  ",phase:1,pass,nolog,t:none," + ctl + "\"");
  }
  return out;
}

}  // namespace vigil::crs
