#pragma once
// Writes batches of telemetry items into the database, one transaction per call. Statements are
// prepared per batch (one per thousands of rows), never cached across leases: a connection may be
// reconnected by another thread between two batches, which would leave a cached statement dangling. SQLite: SOCI bulk binding of column vectors. PostgreSQL: one
// INSERT ... SELECT FROM unnest(arrays) per batch (a single round trip instead of one per row).
// Both skip rows whose key (origin, seq) is already there. Writer thread only.
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
  explicit telemetry_sink(database& db);
  ~telemetry_sink();
  // Throws on any failure; then nothing of the batch may be assumed committed, nor assumed absent.
  // `items` may be moved from and are restored before a throw.
  void insert(std::span<telemetry_item> items);

 private:
  void insert_sqlite(std::span<telemetry_item> items);
  void insert_postgresql(std::span<telemetry_item> items);

  database& db_;
  std::vector<long long> origin_, seq_, at_;
  std::vector<std::string> kind_, payload_;
  std::string arrays_[5];
};

// The events table (owner "telemetry").
const char* telemetry_table_ddl();

}  // namespace lifespan::data
