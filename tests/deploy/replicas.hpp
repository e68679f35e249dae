#pragma once
// What the deployment tests run as replicas: the command lines of `vigil serve` and of lifespan-sim
// with its real telemetry store, each confined to a scratch directory the test owns. The processes
// themselves are `process` (sim/process.hpp): stderr is the log the tests assert on.
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace lifespan::test {

// A fresh directory under $TMPDIR, removed with everything in it by the destructor.
class scratch_dir {
 public:
  explicit scratch_dir(const std::string& prefix) {
    std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed for " + pattern);
    path_ = pattern;
  }
  ~scratch_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  scratch_dir(const scratch_dir&) = delete;
  scratch_dir& operator=(const scratch_dir&) = delete;
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// `vigil serve` on the bundled configuration, with everything it writes under `dir`: its SQLite file
// (or `db_url`), an (empty) tailed access log, its models root. `port` 0 lets the kernel choose; the
// bound address is then written to dir/http.address. Budgets as in the rolling-restart tests.
inline std::vector<std::string> vigil_serve_command(const std::filesystem::path& dir, std::uint16_t port,
                                                    std::chrono::milliseconds readiness_delay,
                                                    const std::string& db_url = "") {
  std::filesystem::create_directories(dir);
  const auto log = dir / "access.log";
  if (!std::filesystem::exists(log)) std::ofstream(log).flush();
  const auto set = [](std::vector<std::string>& args, const std::string& kv) {
    args.push_back("--set");
    args.push_back(kv);
  };
  std::vector<std::string> args{VIGIL_BINARY, "serve"};
  set(args, "db.url=" + (db_url.empty() ? "sqlite://" + (dir / "vigil.db").string() : db_url));
  set(args, "tailer.paths=[" + log.string() + "]");
  set(args, "models.root=" + (dir / "models").string());
  set(args, "http.address=127.0.0.1");
  set(args, "http.port=" + std::to_string(port));
  set(args, "http.threads=2");
  set(args, "http.address_file=" + (dir / "http.address").string());
  set(args, "shutdown.readiness_delay=" + std::to_string(readiness_delay.count()) + "ms");
  set(args, "shutdown.drain_timeout=5s");
  return args;
}

// lifespan-sim serving POST /events into its real telemetry store (durable: acknowledged only once
// fsynced to the spool) over SQLite, everything under `dir`. The same `dir` on a restart replays the
// spool the previous process left.
inline std::vector<std::string> telemetry_sim_command(const std::filesystem::path& dir, std::uint16_t port, bool durable) {
  std::filesystem::create_directories(dir);
  const auto config = dir / "sim.yaml";
  std::ofstream(config) << "http: {address: 127.0.0.1, port: " << port
                        << ", threads: 2}\n"
                           "shutdown: {readiness_delay: 0ms, drain_timeout: 5s, grace_period: 40s}\n"
                           "database: {url: \"sqlite://"
                        << (dir / "telemetry.db").string()
                        << "\"}\n"
                           "telemetry: {durable: "
                        << (durable ? "true" : "false") << ", spool_dir: \"" << (dir / "spool").string()
                        << "\", flush_budget: 10s, stop_timeout: 15s}\n";
  return {LIFESPAN_SIM_BINARY, "--config", config.string(), "--serve"};
}

}  // namespace lifespan::test
