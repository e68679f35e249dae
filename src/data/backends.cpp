#include "backends.hpp"

#include <soci/backend-loader.h>
#include <soci/soci-backend.h>

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <stdexcept>

#include "lifespan/util/shared_library.hpp"

namespace lifespan::data {
namespace {

// Debian's packages of SOCI's backends.
std::string backend_package(const std::string& backend) {
  return backend == postgresql::backend_name ? "libsoci-postgresql4.0" : "libsoci-sqlite3-4.0";
}

// The dynamic linker loads the backend, yet SOCI could not register it (SOCI looked elsewhere, or the
// file is not the backend SOCI expects): say so, where SOCI looked, and SOCI's own reason.
std::string backend_unregistered_message(const std::string& what, const std::string& backend, const std::string& cause) {
  std::string where = "the system library path";
  if (const char* path = std::getenv("SOCI_BACKENDS_PATH"); path && *path)
    where = std::string("the system library path and SOCI_BACKENDS_PATH (") + path + ")";
  const auto package = backend_package(backend);
  return what + " support is installed but SOCI could not register its backend libsoci_" + backend + ".so.4.0 from " +
         where + " (" + cause + "); check SOCI_BACKENDS_PATH, or reinstall Debian's " + package;
}

// SOCI would load a backend named in session::open by itself; registering it here first is what lets
// a missing package be told apart from a failed connection. Under a mutex: register_backend replaces
// (and refuses to replace while in use) a backend already registered.
void load_soci_backend(const std::string& what, const std::string& backend) {
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  const auto loaded = soci::dynamic_backends::list_all();
  if (std::find(loaded.begin(), loaded.end(), backend) != loaded.end()) return;
  try {
    soci::dynamic_backends::register_backend(backend);
  } catch (const soci::soci_error& e) {
    // SOCI's text drops the dynamic linker's reason (the backend absent, broken, or missing a library
    // it needs): ask the dynamic linker for it, with the package to install.
    try {
      shared_library::open("libsoci_" + backend + ".so.4.0", backend_package(backend));
    } catch (const std::runtime_error& reason) {
      throw std::runtime_error(what + " support is not installed: " + reason.what() + " (SOCI: " + e.what() + ")");
    }
    throw std::runtime_error(backend_unregistered_message(what, backend, e.what()));
  }
}

postgresql::functions bind_libpq() {
  load_soci_backend("PostgreSQL", postgresql::backend_name);
  const auto libpq = shared_library::open("libpq.so.5", "libpq5");
  postgresql::functions f;
  libpq.bind(f.exec, "PQexec");
  libpq.bind(f.result_status, "PQresultStatus");
  libpq.bind(f.result_error_message, "PQresultErrorMessage");
  libpq.bind(f.error_message, "PQerrorMessage");
  libpq.bind(f.clear, "PQclear");
  libpq.bind(f.get_result, "PQgetResult");
  libpq.bind(f.put_copy_data, "PQputCopyData");
  libpq.bind(f.put_copy_end, "PQputCopyEnd");
  libpq.bind(f.set_notice_processor, "PQsetNoticeProcessor");
  libpq.bind(f.status, "PQstatus");
  return f;
}

sqlite::functions bind_sqlite() {
  load_soci_backend("SQLite", sqlite::backend_name);
  const auto lib = shared_library::open("libsqlite3.so.0", "libsqlite3-0");
  sqlite::functions f;
  lib.bind(f.exec, "sqlite3_exec");
  lib.bind(f.errmsg, "sqlite3_errmsg");
  lib.bind(f.free, "sqlite3_free");
  lib.bind(f.db_readonly, "sqlite3_db_readonly");
  return f;
}

}  // namespace

const postgresql::functions& postgresql::load() {
  static const functions f = bind_libpq();  // an exception leaves it to the next call
  return f;
}

const sqlite::functions& sqlite::load() {
  static const functions f = bind_sqlite();  // an exception leaves it to the next call
  return f;
}

}  // namespace lifespan::data
