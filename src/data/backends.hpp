#pragma once
// The database client libraries, loaded on first use rather than linked. SOCI's backends come through
// SOCI's dynamic backend loader (SOCI 4.0.3 tries the system library path, where Debian's packages
// put them, then the directories of SOCI_BACKENDS_PATH), and the few client functions the data area
// calls itself (scripts, COPY, notices, connection status, WAL) are bound at run time from the library
// the backend loaded. A process pays for a client library (libpq drags in Kerberos, LDAP, SASL,
// GnuTLS...: milliseconds of dynamic linking at every exec) only once its configuration opens such a
// database, and then from the database component's start, after the HTTP listener already answers.
//
// Open SOCI sessions by name (`session.open(postgresql::backend_name, conninfo)`) after load().
// load() is thread-safe; its first success is kept for the process, a failure is retried by the next
// call (so installing the package needs no restart of what retries). It throws std::runtime_error
// naming what is missing and the Debian package to install.
#include <libpq-fe.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <string>

namespace lifespan::data {

namespace postgresql {

inline constexpr const char* backend_name = "postgresql";

// The libpq functions used outside SOCI, typed by <libpq-fe.h>.
struct functions {
  decltype(&PQexec) exec = nullptr;
  decltype(&PQresultStatus) result_status = nullptr;
  decltype(&PQresultErrorMessage) result_error_message = nullptr;
  decltype(&PQerrorMessage) error_message = nullptr;
  decltype(&PQclear) clear = nullptr;
  decltype(&PQgetResult) get_result = nullptr;
  decltype(&PQputCopyData) put_copy_data = nullptr;
  decltype(&PQputCopyEnd) put_copy_end = nullptr;
  decltype(&PQsetNoticeProcessor) set_notice_processor = nullptr;
  decltype(&PQstatus) status = nullptr;
};

const functions& load();

}  // namespace postgresql

namespace sqlite {

inline constexpr const char* backend_name = "sqlite3";

// The sqlite3 functions used outside SOCI, typed by <sqlite3.h> (which SOCI wraps in sqlite_api).
struct functions {
  decltype(&sqlite_api::sqlite3_exec) exec = nullptr;
  decltype(&sqlite_api::sqlite3_errmsg) errmsg = nullptr;
  decltype(&sqlite_api::sqlite3_free) free = nullptr;
  decltype(&sqlite_api::sqlite3_db_readonly) db_readonly = nullptr;
};

const functions& load();

}  // namespace sqlite

}  // namespace lifespan::data
