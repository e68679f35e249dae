#pragma once
// Opening connections for the database component, with errors that name the cause and the fix.
#include <memory>
#include <string>

#include "lifespan/data/database.hpp"

namespace lifespan::data {

struct connection_settings {
  const std::string& name;
  const database_url& url;
  const database::options& options;
};

// SQLite: the single writer (creates the file, WAL, busy timeout); throws database_unavailable.
std::unique_ptr<session_pool> open_sqlite_writer(const connection_settings& s);
// SQLite: read-only connections (query_only); nullptr for an in-memory database.
std::unique_ptr<session_pool> open_sqlite_readers(const connection_settings& s);
// PostgreSQL: pool_size connections with connect and statement timeouts.
std::unique_ptr<session_pool> open_postgresql_pool(const connection_settings& s);

// Driver text about a failed connection, scrubbed, with the likely fix appended.
std::string describe_connect_error(const database_url& url, std::string driver_text);

}  // namespace lifespan::data
