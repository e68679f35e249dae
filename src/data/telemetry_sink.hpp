#pragma once
// Writes batches of telemetry items into the database, one transaction per call. Statements are
// prepared per batch (one per thousands of rows), never cached across leases: a connection may be
// reconnected by another thread between two batches, which would leave a cached statement dangling. SQLite: SOCI bulk binding of column vectors. PostgreSQL: one
// INSERT ... SELECT FROM unnest(arrays) per batch (a single round trip instead of one per row).
// Both skip rows whose key (origin, seq) is already there. Writer thread only.
//
// PostgreSQL, fresh batches (straight from the queue, never written before): COPY through libpq
// instead, about twice the server throughput of INSERT ... ON CONFLICT (bench/data_telemetry,
// BM_sustained_postgresql/copy:1 vs copy:0). A fresh batch cannot conflict: its keys are new and it
// takes this path once; if its COPY fails (or its outcome is unknown) it goes to the spool, and
// replays always take the idempotent path.
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "telemetry_item.hpp"

namespace soci {
class statement;
namespace details {
class session_backend;
}
}  // namespace soci

namespace lifespan::data {

class database;

class telemetry_sink {
 public:
  telemetry_sink(database& db, bool postgresql_copy);
  ~telemetry_sink();
  // Throws on any failure; then nothing of the batch may be assumed committed, nor assumed absent.
  // `items` may be moved from and are restored before a throw.
  void insert(std::span<telemetry_item> items, bool fresh = false);

 private:
  void copy_postgresql(std::span<telemetry_item> items);
  void insert_sqlite(std::span<telemetry_item> items);
  void insert_postgresql(std::span<telemetry_item> items);

  database& db_;
  bool postgresql_copy_;
  std::string copy_rows_;
  std::vector<long long> origin_, seq_, at_;
  std::vector<std::string> kind_, payload_;
  std::string arrays_[5];
};

// The events table (owner "telemetry").
const char* telemetry_table_ddl();

}  // namespace lifespan::data
