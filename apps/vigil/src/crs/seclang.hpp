#pragma once
// SecLang as the OWASP Core Rule Set writes it, read into directives and their parts. This is the
// syntax only (what ModSecurity's configuration parser accepts for the directives CRS uses); what
// the parts mean is rule_loader's business.
//
//   SecRule VARIABLES "OPERATOR" "ACTIONS"      # one directive; a trailing '\' continues the line
//
// Quoting follows ModSecurity: an argument in double quotes may contain spaces, and `\"` inside it
// stands for a quote (every other backslash is kept, so regular expressions arrive untouched).
// Action values may be in single quotes (`msg:'a, b'`), which protect commas.
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::crs {

// A rule file that cannot be used: what() starts with "file:line: ".
class seclang_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct directive {
  std::string name;               // "SecRule", as written
  std::vector<std::string> args;  // unquoted
  std::string file;
  int line = 0;                   // where the directive starts
};

// Splits a file's text into directives (comments and blank lines dropped). Throws seclang_error on
// an unterminated quote.
std::vector<directive> read_directives(std::string_view text, const std::string& file);

// `name:value` pairs of an action list, split at commas outside single quotes; values unquoted.
struct action_text {
  std::string name;   // lowercase
  std::string value;  // may be empty
};
std::vector<action_text> split_actions(std::string_view actions);

// One element of a variable list: `[!][&]NAME[:selector]`, selector `key`, `'key'` or `/regex/`.
struct variable_text {
  bool exclude = false;  // '!'
  bool count = false;    // '&'
  std::string name;      // uppercase
  std::string selector;  // empty: the whole collection
  bool selector_is_regex = false;
};
std::vector<variable_text> split_variables(std::string_view variables);

// "!@rx foo" -> {negated, "rx", "foo"}; a bare pattern is "rx". The name is lowercase.
struct operator_text {
  bool negated = false;
  std::string name;
  std::string argument;
};
operator_text split_operator(std::string_view text);

}  // namespace vigil::crs
