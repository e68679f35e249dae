#include "native.hpp"

#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <stdexcept>

namespace lifespan::data::native {
namespace {

bool is_sqlite(soci::session& session) {
  if (session.get_backend() == nullptr) throw std::runtime_error("the connection is closed (a reconnect failed)");
  return session.get_backend_name() == "sqlite3";
}

sqlite_api::sqlite3* sqlite_handle(soci::session& session) {
  return static_cast<soci::sqlite3_session_backend*>(session.get_backend())->conn_;
}

PGconn* pg_handle(soci::session& session) {
  return static_cast<soci::postgresql_session_backend*>(session.get_backend())->conn_;
}

}  // namespace

void exec_script(soci::session& session, const std::string& sql) {
  if (is_sqlite(session)) {
    char* error = nullptr;
    auto* db = sqlite_handle(session);
    if (sqlite_api::sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
      std::string message = error ? error : sqlite_api::sqlite3_errmsg(db);
      sqlite_api::sqlite3_free(error);
      throw std::runtime_error(message);
    }
    return;
  }
  PGresult* result = PQexec(pg_handle(session), sql.c_str());
  const auto status = PQresultStatus(result);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    std::string message = result ? PQresultErrorMessage(result) : PQerrorMessage(pg_handle(session));
    PQclear(result);
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
    throw std::runtime_error(message);
  }
  PQclear(result);
}

void pg_copy(soci::session& session, const std::string& copy_sql, const std::string& rows) {
  if (is_sqlite(session)) throw std::logic_error("pg_copy on a SQLite session");
  PGconn* conn = pg_handle(session);
  auto fail = [&](PGresult* r) {
    std::string message = r ? PQresultErrorMessage(r) : PQerrorMessage(conn);
    if (message.empty()) message = PQerrorMessage(conn);
    PQclear(r);
    while (PGresult* rest = PQgetResult(conn)) PQclear(rest);
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
    throw std::runtime_error(message);
  };
  PGresult* start = PQexec(conn, copy_sql.c_str());
  if (PQresultStatus(start) != PGRES_COPY_IN) fail(start);
  PQclear(start);
  if (PQputCopyData(conn, rows.data(), static_cast<int>(rows.size())) != 1 || PQputCopyEnd(conn, nullptr) != 1)
    fail(nullptr);
  PGresult* end = PQgetResult(conn);
  if (PQresultStatus(end) != PGRES_COMMAND_OK) fail(end);
  PQclear(end);
  while (PGresult* rest = PQgetResult(conn)) PQclear(rest);
}

void quiet_notices(soci::session& session) {
  if (is_sqlite(session)) return;
  PQsetNoticeProcessor(pg_handle(session), [](void*, const char*) {}, nullptr);
}

bool connection_ok(soci::session& session) {
  if (session.get_backend() == nullptr) return false;  // a reconnect that failed leaves no backend
  if (is_sqlite(session)) return true;
  PGconn* conn = pg_handle(session);
  return conn != nullptr && PQstatus(conn) == CONNECTION_OK;
}

bool sqlite_read_only(soci::session& session) {
  return sqlite_api::sqlite3_db_readonly(sqlite_handle(session), "main") == 1;
}

std::string sqlite_enable_wal(soci::session& session) {
  std::string mode;
  soci::session& s = session;
  s << "PRAGMA journal_mode=WAL", soci::into(mode);
  return mode;
}

}  // namespace lifespan::data::native
