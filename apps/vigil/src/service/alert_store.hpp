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
// Health: degraded while writes fail (from the first failed write() until one commits; the pipeline
// retries the same batch, so the reason names the attempts, for how long and the last error), and, on
// SQLite, when the database file at its path is no longer the one open (removed, or replaced, while
// vigil runs: alerts then go to a file no one can open again; compared by device and inode, recorded
// at start()). The database component's own check (SELECT 1) cannot see either: reads still work.
//
// Thread-safety: write() and query() may be called from any thread between start() and stop(); writes
// are serialised by the database's writer connection, queries use reader connections.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
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
  std::optional<lifespan::health_report> check_health(std::stop_token cancel) override;

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
  void record_write(const std::string* error);  // nullptr: the write committed
  std::optional<std::string> file_problem() const;

  lifespan::data::database* db_ = nullptr;
  new_alerts_observers new_alerts_;

  struct opened_file {  // SQLite: the main database file as start() found it
    std::string path;
    std::uint64_t device = 0, inode = 0;
  };
  std::optional<opened_file> file_;

  mutable std::mutex failure_mutex_;
  std::uint64_t failed_writes_ = 0;  // in a row; 0 once a write commits
  std::chrono::steady_clock::time_point failing_since_{};
  std::string last_error_;
};

}  // namespace vigil::service
