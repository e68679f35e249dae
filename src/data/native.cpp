#include "native.hpp"

#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <stdexcept>

#include "backends.hpp"

namespace lifespan::data::native {
namespace {

bool is_sqlite(soci::session& session) {
  if (session.get_backend() == nullptr) throw std::runtime_error("the connection is closed (a reconnect failed)");
  return session.get_backend_name() == sqlite::backend_name;
}

sqlite_api::sqlite3* sqlite_handle(soci::session& session) {
  return static_cast<soci::sqlite3_session_backend*>(session.get_backend())->conn_;
}

// The client libraries are bound at run time (backends.hpp); a session of either kind exists only
// once its library was loaded.
const postgresql::functions& pq() { return postgresql::load(); }
const sqlite::functions& sq() { return sqlite::load(); }

PGconn* pg_handle(soci::session& session) {
  return static_cast<soci::postgresql_session_backend*>(session.get_backend())->conn_;
}

}  // namespace

void exec_script(soci::session& session, const std::string& sql) {
  if (is_sqlite(session)) {
    char* error = nullptr;
    auto* db = sqlite_handle(session);
    if (sq().exec(db, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
      std::string message = error ? error : sq().errmsg(db);
      sq().free(error);
      throw std::runtime_error(message);
    }
    return;
  }
  PGresult* result = pq().exec(pg_handle(session), sql.c_str());
  const auto status = pq().result_status(result);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    std::string message = result ? pq().result_error_message(result) : pq().error_message(pg_handle(session));
    pq().clear(result);
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
    throw std::runtime_error(message);
  }
  pq().clear(result);
}

void pg_copy(soci::session& session, const std::string& copy_sql, const std::string& rows) {
  if (is_sqlite(session)) throw std::logic_error("pg_copy on a SQLite session");
  PGconn* conn = pg_handle(session);
  auto fail = [&](PGresult* r) {
    std::string message = r ? pq().result_error_message(r) : pq().error_message(conn);
    if (message.empty()) message = pq().error_message(conn);
    pq().clear(r);
    while (PGresult* rest = pq().get_result(conn)) pq().clear(rest);
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
    throw std::runtime_error(message);
  };
  PGresult* start = pq().exec(conn, copy_sql.c_str());
  if (pq().result_status(start) != PGRES_COPY_IN) fail(start);
  pq().clear(start);
  if (pq().put_copy_data(conn, rows.data(), static_cast<int>(rows.size())) != 1 || pq().put_copy_end(conn, nullptr) != 1)
    fail(nullptr);
  PGresult* end = pq().get_result(conn);
  if (pq().result_status(end) != PGRES_COMMAND_OK) fail(end);
  pq().clear(end);
  while (PGresult* rest = pq().get_result(conn)) pq().clear(rest);
}

void quiet_notices(soci::session& session) {
  if (is_sqlite(session)) return;
  pq().set_notice_processor(pg_handle(session), [](void*, const char*) {}, nullptr);
}

bool connection_ok(soci::session& session) {
  if (session.get_backend() == nullptr) return false;  // a reconnect that failed leaves no backend
  if (is_sqlite(session)) return true;
  PGconn* conn = pg_handle(session);
  return conn != nullptr && pq().status(conn) == CONNECTION_OK;
}

bool sqlite_read_only(soci::session& session) {
  return sq().db_readonly(sqlite_handle(session), "main") == 1;
}

std::string sqlite_enable_wal(soci::session& session) {
  std::string mode;
  soci::session& s = session;
  s << "PRAGMA journal_mode=WAL", soci::into(mode);
  return mode;
}

}  // namespace lifespan::data::native
