// Fuzz target: the SecLang reader vigil loads the OWASP Core Rule Set with (apps/vigil/src/crs/
// seclang.cpp): a rules file into directives, then each directive's variables, operator and actions
// split as rule_loader does. Checked (seclang.hpp): an unterminated quote is a seclang_error starting
// with "file:line: ", nothing else throws, and names come out in the case promised.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "crs/seclang.hpp"

namespace {

void check_case(const std::string& s, bool upper) {
  for (const unsigned char c : s)
    if (upper ? std::islower(c) : std::isupper(c)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    for (const auto& d : vigil::crs::read_directives(text, "fuzz.conf")) {
      if (d.line < 1) std::abort();
      if (d.args.size() >= 1)
        for (const auto& v : vigil::crs::split_variables(d.args[0])) check_case(v.name, true);
      if (d.args.size() >= 2) check_case(vigil::crs::split_operator(d.args[1]).name, false);
      for (const auto& arg : d.args)
        for (const auto& a : vigil::crs::split_actions(arg)) check_case(a.name, false);
    }
  } catch (const vigil::crs::seclang_error& e) {
    if (std::string_view(e.what()).rfind("fuzz.conf:", 0) != 0) std::abort();
  }
  return 0;
}
