#pragma once
// The database component: one URL picks the backend (see url.hpp), SOCI does the talking.
//
// - SQLite: WAL journal, a busy timeout, one writer connection (writes are serialised through it) and
//   a pool of read-only connections.
// - PostgreSQL: one pool serves readers and writers; every connection has a statement timeout; a
//   connection found broken is reconnected when next leased, with exponential backoff between attempts.
// - start() connects, then applies the schema's pending migrations (migrations.hpp) before returning,
//   so dependents start on an up-to-date schema. With an `on_migrate_only` callback (a service main
//   that saw --migrate-only passes one that calls request_shutdown), it is called right after.
// - check_health() runs `SELECT 1`, cached for `health_cache`: an outage turns the component degraded,
//   and the runtime's next successful check brings it back up.
// - Passwords never leave this component: every message uses the redacted URL and scrubs driver text.
//
// Thread-safety: reader(), writer(), migrate(), available() and the accessors may be called from any
// thread between start() and stop(). A lease outliving stop() keeps its connection open until it is
// released (release it first: the database is meant to be stopped after its users).
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "lifespan/core/component.hpp"
#include "lifespan/data/migrations.hpp"
#include "lifespan/data/url.hpp"

namespace soci {
class session;
}  // namespace soci

namespace lifespan::data {

class session_pool;

// The database cannot serve now (unreachable, wrong credentials, broken connection while reconnecting).
// HTTP routes that meet it answer 503 naming the database component (see component_unavailable).
class database_unavailable : public component_unavailable {
 public:
  using component_unavailable::component_unavailable;  // (component name, reason)
};

class database;

// One pooled connection, returned to its pool when the lease is destroyed. Move-only.
class session_lease {
 public:
  session_lease() = default;
  session_lease(session_lease&& other) noexcept;
  session_lease& operator=(session_lease&& other) noexcept;
  ~session_lease();
  soci::session& operator*() const { return *session_; }
  soci::session* operator->() const { return session_; }
  soci::session& get() const { return *session_; }
  explicit operator bool() const { return session_ != nullptr; }

 private:
  friend class database;
  session_lease(std::shared_ptr<session_pool> pool, std::size_t position, soci::session* session)
      : pool_(std::move(pool)), position_(position), session_(session) {}
  std::shared_ptr<session_pool> pool_;  // a lease keeps its pool (and connection) alive
  std::size_t position_ = 0;
  soci::session* session_ = nullptr;
};

class database : public component {
 public:
  struct options {
    std::string url = "sqlite://data.db";
    int pool_size = 4;                                     // PostgreSQL pool / SQLite readers
    duration busy_timeout = std::chrono::seconds(5);       // SQLite: wait for the write lock
    duration statement_timeout = std::chrono::seconds(30); // PostgreSQL
    duration connect_timeout = std::chrono::seconds(5);    // PostgreSQL
    duration lease_timeout = std::chrono::seconds(5);      // waiting for a free connection
    duration health_cache = std::chrono::seconds(1);
    duration reconnect_initial = std::chrono::milliseconds(100);
    duration reconnect_max = std::chrono::seconds(5);
  };
  // Section keys: url, pool_size, busy_timeout, statement_timeout, connect_timeout, lease_timeout,
  // health_cache, reconnect_initial, reconnect_max. A malformed url is a configuration error.
  static options read_options(config::section& section);

  explicit database(options o, std::shared_ptr<data::schema> schema = nullptr,
                    std::function<void()> on_migrate_only = {});
  ~database() override;

  void start(context& ctx) override;
  void stop(time_point deadline) override;
  std::optional<health_report> check_health(std::stop_token cancel) override;

  backend kind() const noexcept { return url_.kind; }
  const std::string& name() const noexcept { return name_; }
  std::string redacted_url() const { return url_.redacted(); }
  // Scrubs the password out of driver text (for messages built by users of a lease).
  std::string scrub(std::string text) const { return url_.scrub(std::move(text)); }

  // A connection for reads (SQLite: read-only). Throws database_unavailable when none can be had.
  session_lease reader();
  // The connection for writes (SQLite: the single writer; PostgreSQL: a pooled connection).
  session_lease writer();

  // Applies `owner`'s pending steps now, under the migration lock (idempotent). For components that
  // learn their schema late; declaring it in the schema object given at registration is preferred.
  void migrate(const std::string& owner, const std::vector<migration>& steps);
  // The recorded version of `owner` (0: none).
  int schema_version(const std::string& owner);

  // The last health verdict (true until a check or a lease fails to reach the database).
  bool available() const noexcept { return available_.load(std::memory_order_acquire); }

 private:
  session_lease lease(const std::shared_ptr<session_pool>& pool, duration wait);
  void ensure_connected(soci::session& session);
  void open_sqlite();
  void open_postgresql();
  void apply(const std::vector<owner_migrations>& owners);

  options options_;
  database_url url_;
  std::shared_ptr<data::schema> schema_;
  std::function<void()> on_migrate_only_;
  std::string name_ = "database";
  std::shared_ptr<session_pool> readers_;
  std::shared_ptr<session_pool> writers_;  // SQLite: one connection; PostgreSQL: == readers_
  std::atomic<bool> available_{true};

  std::mutex reconnect_mutex_;
  time_point next_reconnect_{};
  duration backoff_{};
  std::string last_error_;

  // One check at a time; stop() waits for a running one. (Not std::timed_mutex: ThreadSanitizer in
  // GCC 12 does not see pthread_mutex_clocklock and reports its unlock as an error.)
  std::mutex health_mutex_;
  std::condition_variable health_idle_;
  bool health_running_ = false;
  time_point health_checked_{};
  std::optional<health_report> health_cached_;
};

// Strips "--migrate-only" from argv (adjusting argc) and returns whether it was there. A service main
// passes the result to the database (on_migrate_only / options.migrate_only) before service::main.
bool migrate_only_requested(int& argc, char** argv);

}  // namespace lifespan::data
