#pragma once
// The backends' native handles under a SOCI session, for what SOCI does not do: running a script of
// several statements (migrations, pragmas) and asking whether a connection is still alive.
#include <string>

namespace soci {
class session;
}

namespace lifespan::data::native {

// Runs `sql` (one or more statements) on the session's connection. Throws std::runtime_error with
// the backend's message.
void exec_script(soci::session& session, const std::string& sql);
// False when the connection is known broken (PostgreSQL: libpq status; SQLite: always true).
bool connection_ok(soci::session& session);
// PostgreSQL: server notices ("relation ... already exists, skipping") go nowhere instead of stderr.
void quiet_notices(soci::session& session);
// SQLite only: whether the main database was opened read-only.
bool sqlite_read_only(soci::session& session);
// SQLite only: PRAGMA journal_mode's answer after asking for WAL.
std::string sqlite_enable_wal(soci::session& session);

// PostgreSQL only: runs `copy_sql` (a COPY ... FROM STDIN) feeding it `rows` (COPY text format).
// One statement, so one implicit transaction. Throws std::runtime_error with the server's message.
void pg_copy(soci::session& session, const std::string& copy_sql, const std::string& rows);

}  // namespace lifespan::data::native
