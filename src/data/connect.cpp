#include "connect.hpp"

#include <fmt/format.h>
#include "session_pool.hpp"
#include <soci/soci.h>

#include "native.hpp"
#include "backends.hpp"

namespace lifespan::data {
namespace {

long long whole_ms(duration d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); }

std::string one_line(std::string text) {
  for (char& c : text)
    if (c == '\n' || c == '\r') c = ' ';
  while (!text.empty() && text.back() == ' ') text.pop_back();
  std::string out;
  for (char c : text)  // collapse the double spaces the newlines left
    if (!(c == ' ' && !out.empty() && out.back() == ' ')) out += c;
  return out;
}

std::string sqlite_connect_string(const connection_settings& s) {
  std::string path = s.url.path;
  if (path.find_first_of(" \"") != std::string::npos) path = "\"" + path + "\"";
  return fmt::format("db={} timeout={}", path, std::max<long long>(1, whole_ms(s.options.busy_timeout) / 1000));
}

[[noreturn]] void sqlite_fail(const connection_settings& s, const std::string& cause, const std::string& fix) {
  throw database_unavailable(s.name, fmt::format("database '{}' ({}): {}; {}", s.name, s.url.redacted(), one_line(cause), fix));
}

void sqlite_pragmas(soci::session& session, const connection_settings& s, bool query_only) {
  native::exec_script(session, fmt::format("PRAGMA busy_timeout={}; PRAGMA foreign_keys=ON;{}",
                                           whole_ms(s.options.busy_timeout),
                                           query_only ? " PRAGMA query_only=ON;" : " PRAGMA synchronous=NORMAL;"));
}

}  // namespace

std::string describe_connect_error(const database_url& url, std::string driver_text) {
  std::string text = one_line(url.scrub(std::move(driver_text)));
  auto has = [&](std::string_view what) { return text.find(what) != std::string::npos; };
  std::string fix;
  if (has("password authentication failed") || has("no password supplied") || has("authentication failed"))
    fix = "wrong credentials: check the user and password in the url";
  else if (has("Connection refused"))
    fix = fmt::format("nothing listens on {}:{}: is PostgreSQL running there?", url.host, url.port);
  else if (has("could not translate host name") || has("Name or service not known"))
    fix = fmt::format("the host name '{}' does not resolve: check the url", url.host);
  else if (has("timeout expired") || has("timed out") || has("No route to host") || has("Network is unreachable"))
    fix = fmt::format("{}:{} is unreachable: check the host, the port and the firewall, or raise connect_timeout",
                      url.host, url.port);
  else if (has("does not exist"))
    fix = "create the database (or the role), or fix its name in the url";
  return fix.empty() ? text : text + " (" + fix + ")";
}

std::unique_ptr<session_pool> open_sqlite_writer(const connection_settings& s) {
  try {
    sqlite::load();
  } catch (const std::exception& e) {
    throw database_unavailable(s.name, fmt::format("database '{}' ({}): {}", s.name, s.url.redacted(), e.what()));
  }
  auto pool = std::make_unique<session_pool>(1);
  soci::session& w = pool->at(0);
  try {
    w.open(sqlite::backend_name, sqlite_connect_string(s));
  } catch (const std::exception& e) {
    sqlite_fail(s, fmt::format("cannot open the SQLite file: {}", e.what()),
                "check that the directory exists and that this process may create files in it");
  }
  if (native::sqlite_read_only(w))
    sqlite_fail(s, "the SQLite file is read-only for this process",
                "give the service's user write access to the file and its directory, or point url elsewhere");
  try {
    sqlite_pragmas(w, s, false);
    const std::string mode = native::sqlite_enable_wal(w);
    if (s.url.path != ":memory:" && mode != "wal")
      sqlite_fail(s, fmt::format("could not switch to WAL (journal mode stays '{}')", mode),
                  "put the file on a local filesystem that supports shared memory");
    native::exec_script(w, "BEGIN IMMEDIATE; COMMIT;");  // proves the write lock can be taken
  } catch (const database_unavailable&) {
    throw;
  } catch (const std::exception& e) {
    sqlite_fail(s, fmt::format("cannot write to the SQLite file: {}", e.what()),
                "give the service's user write access to the file and its directory (WAL needs the -wal and -shm "
                "files next to it)");
  }
  return pool;
}

std::unique_ptr<session_pool> open_sqlite_readers(const connection_settings& s) {
  if (s.url.path == ":memory:") return nullptr;
  auto pool = std::make_unique<session_pool>(static_cast<std::size_t>(s.options.pool_size));
  for (int i = 0; i < s.options.pool_size; ++i) {
    soci::session& r = pool->at(static_cast<std::size_t>(i));
    try {
      r.open(sqlite::backend_name, sqlite_connect_string(s));
      sqlite_pragmas(r, s, true);
    } catch (const std::exception& e) {
      sqlite_fail(s, fmt::format("cannot open a reader connection: {}", e.what()), "check the file's permissions");
    }
  }
  return pool;
}

std::unique_ptr<session_pool> open_postgresql_pool(const connection_settings& s) {
  try {
    postgresql::load();
  } catch (const std::exception& e) {
    throw database_unavailable(s.name, fmt::format("database '{}' ({}): {}", s.name, s.url.redacted(), e.what()));
  }
  auto pool = std::make_unique<session_pool>(static_cast<std::size_t>(s.options.pool_size));
  const std::string info = s.url.conninfo(
      static_cast<int>((whole_ms(s.options.connect_timeout) + 999) / 1000),
      static_cast<int>(whole_ms(s.options.statement_timeout)), s.name);
  for (int i = 0; i < s.options.pool_size; ++i) {
    try {
      pool->at(static_cast<std::size_t>(i)).open(postgresql::backend_name, info);
      native::quiet_notices(pool->at(static_cast<std::size_t>(i)));
    } catch (const std::exception& e) {
      throw database_unavailable(s.name, fmt::format("database '{}' ({}): cannot connect: {}", s.name, s.url.redacted(),
                                             describe_connect_error(s.url, e.what())));
    }
  }
  return pool;
}

}  // namespace lifespan::data
