#pragma once
// The delivery outbox: each sink's durable backlog in the service database (SQLite or PostgreSQL).
//
//   vigil_delivery_sinks   one row per registered sink: name, lease holder, lease expiry
//   vigil_delivery_outbox  one row per (sink, new alert): id (sequence), sink, alert_seq
//
// Invariants:
// - alert_store::write inserts, for every alert it newly stores, one outbox row per registered sink,
//   in the same transaction as the alert (enqueue_sql): an alert is never stored without its outbox
//   rows nor the other way round, whatever crashes. Alerts stored before a sink was first registered
//   are not delivered to it.
// - A sink's rows are delivered oldest id first and removed by id once delivered; nothing is skipped by
//   a cursor, so on PostgreSQL, where concurrent writers may commit ids out of order, a late commit's
//   rows are simply delivered by the next fetch (after newer ones already delivered).
// - One relay at a time delivers a sink's rows, whichever replica it runs in: it holds the sink's
//   lease (a conditional UPDATE of the sink row, renewed every round, expiring after `lease` if the
//   holder dies; a holder that restarts under the same name takes it back at once). No transaction is held open while a sink talks to its destination, so a slow sink
//   never blocks the SQLite writer the pipeline needs. Lease times use each replica's wall clock: keep
//   the clocks within a fraction of the lease.
// - trim() bounds the backlog: the oldest rows beyond the bound are deleted (and counted by the caller).
//
// Thread-safety: every method may be called from any thread while the alert store is up (each takes a
// database connection for its own short statement or transaction).
#include <cstdint>
#include <string>
#include <vector>

#include "lifespan/core/clock.hpp"
#include "lifespan/data/database.hpp"
#include "service/alert.hpp"

namespace vigil::service {
class alert_store;
}

namespace vigil::delivery {

class outbox {
 public:
  // Applied by alert_store::start (owner "vigil_delivery"), so the tables exist before any write.
  static std::vector<lifespan::data::migration> migrations(lifespan::data::backend kind);
  // The statement alert_store::write runs (binding :key) after inserting a new alert.
  static const char* enqueue_sql();

  explicit outbox(service::alert_store& store);

  // Idempotent. Alerts stored from now on are queued for `sink`.
  void register_sink(const std::string& sink);
  // Forgets `sink` and its backlog (a sink disabled in the configuration); returns the rows removed.
  std::int64_t unregister_sink(const std::string& sink);
  // Every registered sink's name, sorted (to find the sinks of endpoints no longer configured).
  std::vector<std::string> sinks();

  // Takes or renews the sink's lease for `holder` until now + `lease`; false while another holder's
  // lease runs (or the sink is not registered).
  bool hold(const std::string& sink, const std::string& holder, lifespan::duration lease);
  void release(const std::string& sink, const std::string& holder);

  struct batch {
    std::vector<service::alert> alerts;  // oldest first
    std::vector<std::int64_t> ids;       // outbox row of alerts[i]
    std::vector<std::int64_t> orphans;   // rows whose alert no longer exists (remove them)
  };
  batch next(const std::string& sink, std::size_t limit);
  void remove(const std::vector<std::int64_t>& ids);

  std::int64_t backlog(const std::string& sink);
  // Deletes the oldest rows of `sink` beyond `bound`; returns how many.
  std::int64_t trim(const std::string& sink, std::int64_t bound);

 private:
  service::alert_store& store_;
};

}  // namespace vigil::delivery
