#pragma once
// The alert store component: alerts in the service's database (the data area's `database`
// component), in table vigil_alerts created by its own migrations (owner "vigil_alerts", applied in
// start() with the dialect of the configured backend).
//
// Writes come in batches, each one transaction: every alert is inserted with ON CONFLICT DO NOTHING on
// its key, so a replayed line adds nothing, and the caller's `also` callback runs inside the same
// transaction (every new alert also gets one outbox row per registered delivery sink, see
// delivery/outbox.hpp, migrated here as owner "vigil_delivery"; the pipeline saves the tailer's file positions there, so positions and alerts commit
// together or not at all).
//
// Thread-safety: write() and query() may be called from any thread between start() and stop(); writes
// are serialised by the database's writer connection, queries use reader connections.
#include <functional>
#include <memory>
#include <string>
#include <cstdint>
#include <vector>

#include "lifespan/core/component.hpp"
#include "lifespan/data/database.hpp"
#include "service/alert.hpp"
#include "service/observer_list.hpp"

namespace soci {
class session;
}

namespace vigil::service {

// Alert counts over [since, until) of the alerts' own time, for GET /api/stats. An alert with several
// categories counts once in each.
struct alert_stats {
  std::int64_t total = 0;
  std::int64_t by_severity[5] = {};  // indexed by severity
  std::vector<std::pair<std::string, std::int64_t>> by_category;  // most first, then by name
  std::vector<std::pair<std::string, std::int64_t>> top_clients;  // most first, then by address
};

class alert_store : public lifespan::component {
 public:
  alert_store() = default;

  void start(lifespan::context& ctx) override;

  // Inserts `alerts` (ignoring keys already stored) and runs `also` in the same transaction. Returns
  // how many rows were new. Throws (database_unavailable, soci errors) with the transaction rolled back.
  std::size_t write(const std::vector<alert>& alerts, const std::function<void(soci::session&)>& also = {});
  // Called after each write() that committed new alerts, with their number, on the writing thread
  // (the delivery relays wake on it, so new alerts leave at once instead of at the next poll). Quick
  // callbacks only; see observer_list.hpp for the subscription's lifetime. Any thread.
  using new_alerts_observers = observer_list<std::size_t>;
  [[nodiscard]] new_alerts_observers::subscription on_new_alerts(std::function<void(std::size_t)> callback) {
    return new_alerts_.add(std::move(callback));
  }

  alert_page query(const alert_query& q);
  // The stored alerts among `seqs`, by seq ascending (missing ones are left out).
  std::vector<alert> fetch(const std::vector<std::int64_t>& seqs);
  std::int64_t count();
  // Grouped and counted by the database (one reader connection); `top` clients at most.
  alert_stats stats(std::int64_t since, std::int64_t until, int top);

  lifespan::data::database& database() { return *db_; }

  static std::vector<lifespan::data::migration> migrations(lifespan::data::backend kind);

 private:
  std::size_t insert(const std::vector<alert>& alerts, const std::function<void(soci::session&)>& also);
  lifespan::data::database* db_ = nullptr;
  new_alerts_observers new_alerts_;
};

}  // namespace vigil::service
