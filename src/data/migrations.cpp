#include "lifespan/data/migrations.hpp"

#include <fmt/format.h>
#include <soci/soci.h>

#include <stdexcept>

#include "migrate.hpp"
#include "native.hpp"

namespace lifespan::data {

void validate_steps(const std::string& owner, const std::vector<migration>& steps) {
  if (owner.empty()) throw std::invalid_argument("migrations: the owner name is empty; name the component that owns the tables");
  for (std::size_t i = 0; i < steps.size(); ++i) {
    if (steps[i].version != static_cast<int>(i) + 1)
      throw std::invalid_argument(fmt::format(
          "migrations of '{}': step {} has version {}, expected {}; number the steps 1, 2, 3... in order and never "
          "renumber a released step",
          owner, i + 1, steps[i].version, i + 1));
    if (steps[i].sql.empty())
      throw std::invalid_argument(fmt::format("migrations of '{}': step {} has no SQL", owner, steps[i].version));
  }
}

schema& schema::add(std::string owner, std::vector<migration> steps) {
  validate_steps(owner, steps);
  std::lock_guard lock(mutex_);
  for (const auto& existing : owners_)
    if (existing.owner == owner)
      throw std::invalid_argument(fmt::format(
          "migrations: '{}' was added twice; give every component its own owner name, with all its steps in one add()",
          owner));
  owners_.push_back({std::move(owner), std::move(steps)});
  return *this;
}

std::vector<owner_migrations> schema::owners() const {
  std::lock_guard lock(mutex_);
  return owners_;
}

namespace detail {

// 'lifespan' as an integer: the advisory lock every lifespan service takes around migrations.
constexpr long long migration_lock_key = 0x6c69666573706eLL;

int recorded_version(soci::session& session, const std::string& owner) {
  int version = 0;
  soci::indicator indicator = soci::i_null;
  session << "SELECT version FROM lifespan_schema WHERE owner = :owner", soci::use(owner), soci::into(version, indicator);
  return session.got_data() && indicator == soci::i_ok ? version : 0;
}

std::vector<std::string> apply_migrations(soci::session& session, backend kind, const std::vector<owner_migrations>& owners,
                                          const std::string& database_name) {
  std::vector<std::string> done;
  if (kind == backend::postgresql) {
    native::exec_script(session, "BEGIN");
  } else {
    native::exec_script(session, "BEGIN IMMEDIATE");
  }
  try {
    if (kind == backend::postgresql)
      native::exec_script(session, fmt::format("SELECT pg_advisory_xact_lock({})", migration_lock_key));
    native::exec_script(session,
                        "CREATE TABLE IF NOT EXISTS lifespan_schema (owner TEXT PRIMARY KEY, version INTEGER NOT NULL, "
                        "updated_at TEXT NOT NULL)");
    for (const auto& [owner, steps] : owners) {
      const int current = recorded_version(session, owner);
      const int known = steps.empty() ? 0 : steps.back().version;
      if (current > known)
        throw std::runtime_error(fmt::format(
            "database '{}': the schema of '{}' is at version {}, newer than this build knows (up to {}); refusing "
            "to run an older binary against it: deploy the newer build, or restore a backup taken before the upgrade",
            database_name, owner, current, known));
      for (const auto& step : steps) {
        if (step.version <= current) continue;
        try {
          native::exec_script(session, step.sql);
        } catch (const std::exception& e) {
          throw std::runtime_error(fmt::format(
              "database '{}': migration {} #{} failed: {}; nothing of this run was applied (rolled back): fix the "
              "step's SQL",
              database_name, owner, step.version, e.what()));
        }
      }
      if (known > current) {
        session << "INSERT INTO lifespan_schema (owner, version, updated_at) VALUES (:owner, :version, "
                   "CAST(CURRENT_TIMESTAMP AS TEXT)) ON CONFLICT (owner) DO UPDATE SET version = excluded.version, "
                   "updated_at = excluded.updated_at",
            soci::use(owner), soci::use(known);
        done.push_back(fmt::format("database '{}': migrations of '{}' applied {} -> {}", database_name, owner, current, known));
      } else {
        done.push_back(fmt::format("database '{}': migrations of '{}' already at {}", database_name, owner, current));
      }
    }
    native::exec_script(session, "COMMIT");
  } catch (...) {
    try {
      native::exec_script(session, "ROLLBACK");
    } catch (...) {  // the connection may be gone; the server rolls back on its own then
    }
    throw;
  }
  return done;
}

}  // namespace detail
}  // namespace lifespan::data
