#pragma once
// Applying migrations on one connection (see lifespan/data/migrations.hpp for the contract).
#include <string>
#include <vector>

#include "lifespan/data/migrations.hpp"
#include "lifespan/data/url.hpp"

namespace soci {
class session;
}

namespace lifespan::data::detail {

// One transaction under the migration lock; throws std::runtime_error naming the database, the owner,
// the step and the fix. The connection is left outside any transaction. Returns one line per owner
// saying what this call did ("applied 0 -> 2" or "already at 2"), for the log: with several replicas
// starting together, the log shows which one applied them.
std::vector<std::string> apply_migrations(soci::session& session, backend kind, const std::vector<owner_migrations>& owners,
                      const std::string& database_name);
int recorded_version(soci::session& session, const std::string& owner);

}  // namespace lifespan::data::detail
