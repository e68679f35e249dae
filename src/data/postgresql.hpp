#pragma once
// PostgreSQL, loaded on first use. Nothing of it is linked: SOCI's backend (libsoci_postgresql.so.4.0)
// comes through SOCI's dynamic backend loader (SOCI_BACKENDS_PATH, else Debian's library directory),
// and the few libpq functions the data area calls itself (scripts, COPY, notices, connection status)
// are bound at run time from libpq.so.5 (the very library the backend loaded). A process whose
// configuration names no postgresql:// database never loads libpq and all it drags in (Kerberos,
// LDAP, SASL, GnuTLS...), which costs milliseconds of dynamic linking at every exec.
//
// Open SOCI sessions by name (`session.open(postgresql::backend_name, conninfo)`) after load().
#include <libpq-fe.h>

#include <string>

namespace lifespan::data::postgresql {

inline constexpr const char* backend_name = "postgresql";

// The libpq functions used outside SOCI, typed by <libpq-fe.h>.
struct libpq_functions {
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

// Loads SOCI's PostgreSQL backend and binds libpq, once per process; later calls cost one check.
// Thread-safe. Throws std::runtime_error naming what is missing and the Debian package to install
// (a later call tries again, so installing the package needs no restart of what retries).
const libpq_functions& load();

// The error for a backend SOCI could not load (`cause` is SOCI's text): names the package to install.
std::string backend_missing_message(const std::string& cause);

}  // namespace lifespan::data::postgresql
