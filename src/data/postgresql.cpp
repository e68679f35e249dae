#include "postgresql.hpp"

#include <soci/backend-loader.h>
#include <soci/soci-backend.h>

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <stdexcept>
#include <string>

#include "lifespan/util/shared_library.hpp"

namespace lifespan::data::postgresql {
namespace {

void load_soci_backend() {
  // SOCI loads a backend named in session::open by itself; registering it here first is what lets a
  // missing package be told apart from a failed connection. Under a mutex: register_backend replaces
  // (and refuses to replace while in use) a backend already registered.
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  const auto loaded = soci::dynamic_backends::list_all();
  if (std::find(loaded.begin(), loaded.end(), backend_name) != loaded.end()) return;
  try {
    soci::dynamic_backends::register_backend(backend_name);
  } catch (const soci::soci_error& e) {
    // SOCI's text drops the dynamic linker's reason (the backend itself absent, or libpq beside it).
    std::string cause = e.what();
    try {
      shared_library::open("libsoci_postgresql.so.4.0", "libsoci-postgresql4.0");
    } catch (const std::runtime_error& reason) {
      cause += "; " + std::string(reason.what());
    }
    throw std::runtime_error(backend_missing_message(cause));
  }
}

libpq_functions bind_libpq() {
  load_soci_backend();
  const auto libpq = shared_library::open("libpq.so.5", "libpq5");
  libpq_functions f;
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

}  // namespace

const libpq_functions& load() {
  static const libpq_functions functions = bind_libpq();  // an exception leaves it to the next call
  return functions;
}

std::string backend_missing_message(const std::string& cause) {
  std::string where = "Debian's library directory";
  if (const char* path = std::getenv("SOCI_BACKENDS_PATH"); path && *path)
    where = std::string("SOCI_BACKENDS_PATH (") + path + ") and the library path";
  return "PostgreSQL support is not installed: SOCI could not load its backend libsoci_postgresql.so.4.0 from " +
         where + " (" + cause + "); install Debian's libsoci-postgresql4.0 (apt-get install libsoci-postgresql4.0, "
         "which brings libpq5)";
}

}  // namespace lifespan::data::postgresql
