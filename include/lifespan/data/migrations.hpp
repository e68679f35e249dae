#pragma once
// Migrations: each component ships numbered, idempotent steps ("ensure the tables exist"); the database
// component applies the pending ones inside its own start, before any dependent starts.
//
//   auto schema = std::make_shared<lifespan::data::schema>();
//   schema->add("alerts", {{1, "CREATE TABLE IF NOT EXISTS alerts (...)"},
//                          {2, "CREATE INDEX IF NOT EXISTS alerts_time ON alerts (at)"}});
//   svc.add<lifespan::data::database>("db", schema);
//
// Contract:
// - Versions of one owner start at 1 and increase by one; a step may hold several statements.
// - One run applies every owner's pending steps in one transaction, in owner registration order then
//   version order, and records each owner's version in the table `lifespan_schema`. A failure rolls
//   back the whole run: the database is left as it was.
// - The run holds a lock: a PostgreSQL transaction-level advisory lock, SQLite's BEGIN IMMEDIATE. Several
//   replicas starting together apply each step once.
// - A database whose recorded version for an owner is newer than the steps this build knows is refused
//   (the database does not start): an older binary never runs against a schema it does not understand.
//
// Thread-safety: add() may be called from any thread, also while the database runs (it then has to
// be applied through database::migrate).
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace lifespan::data {

struct migration {
  int version = 0;
  std::string sql;  // one or more statements, executed as a script by the backend's native API
};

struct owner_migrations {
  std::string owner;
  std::vector<migration> steps;
};

class schema {
 public:
  // Throws std::invalid_argument for an empty owner, an owner added twice, or versions not 1, 2, 3...
  schema& add(std::string owner, std::vector<migration> steps);
  std::vector<owner_migrations> owners() const;

 private:
  mutable std::mutex mutex_;
  std::vector<owner_migrations> owners_;
};

// Checks the steps of one owner (the rules of schema::add); throws std::invalid_argument.
void validate_steps(const std::string& owner, const std::vector<migration>& steps);

}  // namespace lifespan::data
