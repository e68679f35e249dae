#pragma once
// A throwaway PostgreSQL 15 server for tests and benchmarks: initialised in a temporary directory
// (from a cached initdb template, so later servers cost a copy and a start), listening on a free
// loopback port with password authentication, removed by stop()/the destructor.
//
// Works as root, as CI runs: initdb and the server refuse root, so every server command then runs as
// the `postgres` user (runuser) on directories owned by it. Not thread-safe: one owner drives it.
#include <filesystem>
#include <string>

namespace lifespan::data {

class test_server {
 public:
  struct options {
    std::filesystem::path bin_dir = "/usr/lib/postgresql/15/bin";
    bool durable = false;  // false: fsync=off, synchronous_commit=off (tests); true: server defaults
  };
  static constexpr const char* user = "lifespan";
  static constexpr const char* password = "lifespan-secret";

  test_server();  // default options
  explicit test_server(options o);
  ~test_server();
  test_server(const test_server&) = delete;
  test_server& operator=(const test_server&) = delete;

  void start();  // idempotent; throws std::runtime_error with the server log's tail on failure
  void stop();   // pg_ctl stop -m fast (the directory stays; start() again reuses it and the port)
  bool running() const noexcept { return running_; }
  int port() const noexcept { return port_; }

  // postgresql://lifespan:lifespan-secret@127.0.0.1:PORT/<database>
  std::string url(const std::string& database = "postgres") const;
  // Creates a new empty database and returns its URL.
  std::string fresh_database();

 private:
  void run(const std::string& command) const;  // as the server's user; throws on a non-zero exit
  options options_;
  std::filesystem::path dir_;
  int port_ = 0;
  bool running_ = false;
  int databases_ = 0;
};

}  // namespace lifespan::data
