#pragma once
// libinjection, the SQL-injection and XSS tokenizers behind @detectSQLi and @detectXSS. Debian has no
// libinjection package; libmodsecurity3 exports its C functions, so they are bound from there at run
// time, the first time a rule set uses either operator (no header: the signatures are libinjection's
// stable C API). Process-wide, thread-safe, never unloaded.
#include <cstddef>

namespace vigil::crs {

struct libinjection {
  // Returns non-zero for SQL injection; writes a NUL-terminated fingerprint (at most 8 bytes).
  int (*sqli)(const char* input, std::size_t length, char fingerprint[]) = nullptr;
  int (*xss)(const char* input, std::size_t length) = nullptr;

  // Binds on first use. Throws std::runtime_error naming the library and the package to install.
  static const libinjection& get();
};

}  // namespace vigil::crs
