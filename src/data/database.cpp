#include "lifespan/data/database.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include "session_pool.hpp"
#include <soci/soci.h>

#include <cstring>

#include "connect.hpp"
#include "migrate.hpp"
#include "native.hpp"

namespace lifespan::data {
namespace {

long long whole_ms(duration d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); }

void check_positive(config::section& s, std::string_view key, duration d) {
  if (d <= duration::zero()) s.report(key, "must be positive", "use a duration such as 500ms or 5s");
}

}  // namespace

// ---- leases ----

session_lease::session_lease(session_lease&& other) noexcept
    : pool_(std::move(other.pool_)), position_(other.position_), session_(std::exchange(other.session_, nullptr)) {}

session_lease& session_lease::operator=(session_lease&& other) noexcept {
  if (this != &other) {
    if (pool_) pool_->give_back(position_);
    pool_ = std::move(other.pool_);
    position_ = other.position_;
    session_ = std::exchange(other.session_, nullptr);
  }
  return *this;
}

session_lease::~session_lease() {
  if (pool_) pool_->give_back(position_);
}

// ---- options ----

database::options database::read_options(config::section& s) {
  options o;
  o.url = s.get<std::string>("url", o.url);
  try {
    (void)database_url::parse(o.url);
  } catch (const invalid_url& e) {
    s.report("url", e.what());
  }
  o.pool_size = s.get<int>("pool_size", o.pool_size);
  if (o.pool_size < 1 || o.pool_size > 256) s.report("pool_size", "must be between 1 and 256", "4 suits most services");
  o.busy_timeout = s.get<duration>("busy_timeout", o.busy_timeout);
  o.statement_timeout = s.get<duration>("statement_timeout", o.statement_timeout);
  o.connect_timeout = s.get<duration>("connect_timeout", o.connect_timeout);
  o.lease_timeout = s.get<duration>("lease_timeout", o.lease_timeout);
  o.health_cache = s.get<duration>("health_cache", o.health_cache);
  o.reconnect_initial = s.get<duration>("reconnect_initial", o.reconnect_initial);
  o.reconnect_max = s.get<duration>("reconnect_max", o.reconnect_max);
  check_positive(s, "busy_timeout", o.busy_timeout);
  check_positive(s, "statement_timeout", o.statement_timeout);
  check_positive(s, "connect_timeout", o.connect_timeout);
  check_positive(s, "lease_timeout", o.lease_timeout);
  check_positive(s, "reconnect_initial", o.reconnect_initial);
  if (o.reconnect_max < o.reconnect_initial)
    s.report("reconnect_max", "must not be shorter than reconnect_initial", "5s is a good ceiling");
  return o;
}

// ---- lifecycle ----

database::database(options o, std::shared_ptr<data::schema> schema, std::function<void()> on_migrate_only)
    : options_(std::move(o)),
      url_(database_url::parse(options_.url)),
      schema_(std::move(schema)),
      on_migrate_only_(std::move(on_migrate_only)) {}

database::~database() = default;

void database::start(context& ctx) {
  name_ = ctx.name();
  connection_settings settings{name_, url_, options_};
  if (url_.kind == backend::sqlite) {
    writers_ = open_sqlite_writer(settings);
    apply(schema_ ? schema_->owners() : std::vector<owner_migrations>{});
    readers_ = open_sqlite_readers(settings);  // after the writer created the file and switched to WAL
  } else {
    readers_ = open_postgresql_pool(settings);
    apply(schema_ ? schema_->owners() : std::vector<owner_migrations>{});
  }
  available_.store(true, std::memory_order_release);
  if (on_migrate_only_) on_migrate_only_();
}

void database::stop(time_point deadline) {
  // Let a running health check finish; one that overruns the deadline keeps its pool alive through its
  // lease, so the pools can be dropped either way.
  std::unique_lock lock(health_mutex_);
  health_idle_.wait_until(lock, deadline, [&] { return !health_running_; });
  readers_.reset();
  writers_.reset();
}

void database::apply(const std::vector<owner_migrations>& owners) {
  session_lease w = writer();
  try {
    for (const auto& line : detail::apply_migrations(*w, url_.kind, owners, name_)) spdlog::info("{}", line);
  } catch (const std::exception& e) {
    throw std::runtime_error(url_.scrub(e.what()));
  }
}

void database::migrate(const std::string& owner, const std::vector<migration>& steps) {
  validate_steps(owner, steps);
  apply({{owner, steps}});
}

int database::schema_version(const std::string& owner) {
  session_lease w = writer();
  native::exec_script(*w, "CREATE TABLE IF NOT EXISTS lifespan_schema (owner TEXT PRIMARY KEY, version INTEGER NOT "
                          "NULL, updated_at TEXT NOT NULL)");
  return detail::recorded_version(*w, owner);
}

// ---- connections ----

session_lease database::reader() {
  if (readers_) return lease(readers_, options_.lease_timeout);
  if (writers_) return lease(writers_, options_.lease_timeout);  // in-memory SQLite: one private connection
  throw database_unavailable(name_, fmt::format("database '{}' is not started", name_));
}

session_lease database::writer() {
  if (writers_) return lease(writers_, options_.lease_timeout);
  return reader();
}

session_lease database::lease(const std::shared_ptr<session_pool>& pool, duration wait) {
  const auto leased = pool->try_lease(std::chrono::duration_cast<std::chrono::milliseconds>(wait));
  if (!leased)
    throw database_unavailable(name_, fmt::format(
        "database '{}': no free connection within {} ms (all {} busy); raise pool_size or shorten transactions",
        name_, whole_ms(wait), pool->size()));
  session_lease out(pool, *leased, &pool->at(*leased));
  ensure_connected(*out);
  return out;
}

void database::ensure_connected(soci::session& session) {
  if (native::connection_ok(session)) return;
  std::lock_guard lock(reconnect_mutex_);
  const auto now = std::chrono::steady_clock::now();
  if (now < next_reconnect_)
    throw database_unavailable(name_, fmt::format("database '{}' ({}) is unreachable: {}; next reconnect attempt in {} ms",
                                           name_, url_.redacted(), last_error_, whole_ms(next_reconnect_ - now)));
  try {
    session.reconnect();
    if (!native::connection_ok(session)) throw std::runtime_error("connection not established");
    native::quiet_notices(session);
    backoff_ = duration::zero();
    next_reconnect_ = {};
  } catch (const std::exception& e) {
    last_error_ = describe_connect_error(url_, e.what());
    backoff_ = backoff_ == duration::zero() ? options_.reconnect_initial : std::min(backoff_ * 2, options_.reconnect_max);
    next_reconnect_ = now + backoff_;
    available_.store(false, std::memory_order_release);
    throw database_unavailable(name_, fmt::format("database '{}' ({}) is unreachable: {}; retrying with backoff (next in {} ms)",
                                           name_, url_.redacted(), last_error_, whole_ms(backoff_)));
  }
}

// ---- health ----

std::optional<health_report> database::check_health(std::stop_token) {
  std::unique_lock lock(health_mutex_);
  health_idle_.wait(lock, [&] { return !health_running_; });
  const auto now = std::chrono::steady_clock::now();
  if (health_cached_ && now - health_checked_ < options_.health_cache) return health_cached_;
  health_running_ = true;
  lock.unlock();
  // A busy pool means the database is being used, not that it is down: wait briefly, keep checks short.
  const duration wait = std::min<duration>(options_.lease_timeout, std::chrono::milliseconds(500));
  std::string failure;
  for (int attempt = 0; attempt < 2; ++attempt) {  // an idle connection may be stale: one fresh retry
    try {
      session_lease s = readers_ ? lease(readers_, wait) : writer();
      int one = 0;
      *s << "SELECT 1", soci::into(one);
      failure.clear();
      break;
    } catch (const database_unavailable& e) {
      failure = url_.scrub(e.what());
      break;  // reconnecting is already backing off
    } catch (const std::exception& e) {
      failure = fmt::format("database '{}' ({}): SELECT 1 failed: {}", name_, url_.redacted(), url_.scrub(e.what()));
    }
  }
  lock.lock();
  health_cached_ = failure.empty() ? health_report::ok() : health_report::degraded(failure);
  health_checked_ = now;
  available_.store(failure.empty(), std::memory_order_release);
  health_running_ = false;
  health_idle_.notify_all();
  return health_cached_;
}

bool migrate_only_requested(int& argc, char** argv) {
  bool found = false;
  int out = 0;
  for (int i = 0; i < argc; ++i) {
    if (i > 0 && std::strcmp(argv[i], "--migrate-only") == 0) {
      found = true;
      continue;
    }
    argv[out++] = argv[i];
  }
  argc = out;
  return found;
}

}  // namespace lifespan::data
