#pragma once
// Database URLs: which backend, where, as whom. The password is kept only to connect; every string
// meant for a human (logs, errors, status) goes through redacted() or scrub(), never the raw URL.
//
//   sqlite:///var/lib/vigil/data.db      absolute path (three slashes)
//   sqlite://data.db                     relative to the working directory
//   sqlite://:memory:                    private in-memory database (one connection; tests)
//   postgresql://user:pass@host:5432/db?sslmode=disable   (also postgres://; percent-encoding decoded)
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lifespan::data {

enum class backend { sqlite, postgresql };

// A malformed URL: the message names the (redacted) URL, the cause and the fix.
class invalid_url : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

struct database_url {
  backend kind = backend::sqlite;
  std::string path;  // sqlite only
  std::string user, password, host, database;  // postgresql only
  int port = 5432;
  std::vector<std::pair<std::string, std::string>> parameters;  // postgresql query string, passed to libpq

  // Throws invalid_url.
  static database_url parse(std::string_view url);

  // The URL with the password replaced by "***"; safe for logs.
  std::string redacted() const;
  // `text` with every occurrence of the password (raw and percent-encoded) replaced by "***".
  std::string scrub(std::string text) const;
  // The libpq conninfo string (keywords quoted); contains the password: never log it.
  std::string conninfo(int connect_timeout_seconds, int statement_timeout_ms, std::string_view application) const;
};

// Best effort for a string that may not even parse: "scheme://user:***@rest".
std::string redact_url(std::string_view url);

}  // namespace lifespan::data
