// Heavy optional libraries are loaded when configured, never at exec: lifespan-sim run under the
// dynamic linker's own trace (LD_DEBUG=files), which names every object it loads and why.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "http/client.hpp"
#include "lifespan/models/manifest.hpp"
#include "process.hpp"

namespace lifespan::test {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

// PostgreSQL's client and XGBoost, with what they drag in.
const char* const optional_libraries[] = {"file=libpq.so.5", "file=libsoci_postgresql.so", "file=libxgboost.so",
                                          "file=libgomp.so", "file=libgssapi_krb5.so", "file=libldap"};

process traced_sim(const std::string& config) {
  return process({"/usr/bin/env", "LD_DEBUG=files", LIFESPAN_SIM_BINARY, "--serve", "--config", config});
}

std::filesystem::path fresh_dir(const std::string& name) {
  const auto dir = std::filesystem::path(::testing::TempDir()) / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// The line of the trace that loads `file`, or "".
std::string trace_line(const std::string& err, const std::string& file) {
  const auto at = err.find(file);
  if (at == std::string::npos) return "";
  return err.substr(at, err.find('\n', at) - at);
}

TEST(SimLibraries, ServingWithSqliteLoadsItOnOpeningAndNeverLoadsLibpqOrXgboost) {
  const auto dir = fresh_dir("sim-libraries-none");
  const auto address_file = (dir / "addr").string();
  process p(traced_sim(write_temp_file(
      "sim-libraries-none.yaml", "http: {address: 127.0.0.1, port: 0, address_file: " + address_file + "}\n" +
                                     "shutdown: {readiness_delay: 0s}\n" + "database: {url: \"sqlite://" +
                                     (dir / "sim.db").string() + "\"}\n" + "api: {start: 10ms}\n")));
  const auto port = await_listening_port(address_file, p);
  reply r;
  for (const auto deadline = steady::now() + 20s; steady::now() < deadline; std::this_thread::sleep_for(5ms))
    if ((r = fetch(port, "/readyz")).status == 200) break;
  ASSERT_EQ(r.status, 200) << r.body;  // the SQLite database is up: the data area ran
  p.signal(SIGTERM);
  ASSERT_TRUE(p.wait().has_value());
  // SQLite itself is loaded when the database opens, by SOCI's backend loader, not at exec.
  EXPECT_NE(trace_line(p.err(), "file=libsoci_sqlite3.so").find("dynamically loaded by"), std::string::npos)
      << "no LD_DEBUG trace?\n" << p.err();
  for (const char* library : optional_libraries) EXPECT_EQ(trace_line(p.err(), library), "") << library;
}

TEST(SimLibraries, APostgresqlDatabaseLoadsSocisBackendAndLibpqWhenItIsOpened) {
  process p(traced_sim(write_temp_file(
      "sim-libraries-pg.yaml", "http: {address: 127.0.0.1, port: 0}\nshutdown: {readiness_delay: 0s}\n"
                               "database: {url: \"postgresql://user:secret@127.0.0.1:1/nothing\"}\n")));
  ASSERT_TRUE(p.wait_for_log("file=libpq.so.5")) << p.err();
  // Loaded by SOCI's dynamic backend loader, at run time: not needed by the executable.
  EXPECT_NE(trace_line(p.err(), "file=libsoci_postgresql.so").find("dynamically loaded by"), std::string::npos)
      << p.err();
  const auto libpq = trace_line(p.err(), "file=libpq.so.5");
  EXPECT_NE(libpq.find("needed by"), std::string::npos) << libpq;
  EXPECT_NE(libpq.find("libsoci_postgresql.so"), std::string::npos) << libpq;
  // And the database then fails for the right reason: nothing listens there, not a missing library.
  ASSERT_TRUE(p.wait_for_log("nothing listens on 127.0.0.1:1")) << p.err();
}

TEST(SimLibraries, AMissingPostgresqlBackendFailsTheDatabaseNamingThePackageToInstall) {
  // A broken libsoci_postgresql.so.4.0 found first, both by the dynamic linker and by SOCI's own search.
  const auto dir = fresh_dir("sim-libraries-no-backend");
  std::ofstream(dir / "libsoci_postgresql.so.4.0") << "";
  process p({"/usr/bin/env", "LD_LIBRARY_PATH=" + dir.string(), "SOCI_BACKENDS_PATH=" + dir.string(),
             LIFESPAN_SIM_BINARY, "--serve", "--config",
             write_temp_file("sim-libraries-no-backend.yaml",
                             "http: {address: 127.0.0.1, port: 0}\nshutdown: {readiness_delay: 0s}\n"
                             "database: {url: \"postgresql://user:secret@127.0.0.1:1/nothing\"}\n")});
  ASSERT_TRUE(p.wait_for_log("PostgreSQL support is not installed")) << p.err();
  const auto code = p.wait();
  ASSERT_TRUE(code.has_value());
  EXPECT_NE(*code, 0);  // a critical database that cannot open fails the start
  const auto line = trace_line(p.err(), "database 'database' (postgresql://user:***@127.0.0.1:1/nothing)");
  EXPECT_NE(line.find("libsoci_postgresql.so.4.0: file too short"), std::string::npos) << line;
  EXPECT_NE(line.find("apt-get install libsoci-postgresql4.0"), std::string::npos) << line;
  EXPECT_EQ(p.err().find("secret"), std::string::npos) << "the password leaked:\n" << p.err();
}

TEST(SimLibraries, AManifestNamingXgboostLoadsLibxgboostWhenItsVersionLoads) {
  const auto root = fresh_dir("sim-libraries-models");
  const auto version = root / "scorer" / "1";
  std::filesystem::create_directories(version);
  std::ofstream(version / "model.ubj") << "not a model";
  models::write_manifest(version, "xgboost", "ubj", {"model.ubj"}, {});
  process p(traced_sim(write_temp_file(
      "sim-libraries-models.yaml", "http: {address: 127.0.0.1, port: 0}\nshutdown: {readiness_delay: 0s}\n"
                                   "models: {root: \"" + root.string() + "\", models: {scorer: {required: false}}}\n")));
  ASSERT_TRUE(p.wait_for_log("file=libxgboost.so.0")) << p.err();
  EXPECT_NE(trace_line(p.err(), "file=libxgboost.so.0").find("dynamically loaded by"), std::string::npos)
      << trace_line(p.err(), "file=libxgboost.so.0");
}

}  // namespace
}  // namespace lifespan::test
