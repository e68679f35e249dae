#pragma once
// The telemetry store: record(event) from any thread, cheaply; a background writer puts the events
// into the database in batches. Requires the database component (depends_on<database>()).
//
//   svc.add<lifespan::data::database>("db", schema);
//   svc.add<lifespan::data::telemetry_store>("telemetry").depends_on<lifespan::data::database>();
//
// Guarantees (docs/data.md has the reasoning and the limits):
// - record() never does I/O unless the configured policy says so (spill on a full queue, durable).
// - An acknowledged event (ack::accepted) ends up in the database exactly once, across shutdowns
//   (drained within flush_budget, the rest spooled and replayed at the next start), database outages
//   (spooled, replayed in order on recovery) and replays (idempotent key origin+seq). Without
//   `durable`, a crash (SIGKILL, power loss) loses what was still queued; with it, nothing acknowledged.
// - Nothing is dropped silently: every event not acknowledged is counted and reported by record().
//
// Thread-safety: record() and metrics() from any thread at any time (before start and after stop,
// record() answers ack::stopped).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lifespan/core/component.hpp"
#include "lifespan/data/migrations.hpp"

namespace prometheus {
class Collectable;
}
namespace lifespan {
class service;
}

namespace lifespan::data {

class database;

struct event {
  std::string kind;        // a short name: "request", "alert"
  std::string payload;     // opaque text, usually JSON (PostgreSQL: invalid UTF-8 is replaced by '?')
  std::int64_t at_us = 0;  // microseconds since the epoch; 0: now
};

enum class full_policy { block, drop, spill };

enum class ack {
  accepted,   // will be in the database (queued, spooled, or both in durable mode)
  dropped,    // queue full, policy drop: counted in `dropped`
  timed_out,  // queue full, policy block, still full after block_timeout: counted in `rejected`
  stopped,    // the store is not running: counted in `rejected`
  failed,     // the spool could not take it (disk full...): counted in `failed`; see last_error()
};

struct telemetry_metrics {
  std::uint64_t queued = 0;    // accepted into the queue
  std::uint64_t written = 0;   // committed to the database from the queue
  std::uint64_t spooled = 0;   // appended to the spool (spill, outage, shutdown leftovers, durable)
  std::uint64_t replayed = 0;  // committed to the database from the spool
  std::uint64_t dropped = 0;
  std::uint64_t rejected = 0;
  std::uint64_t failed = 0;
  std::uint64_t batches = 0;
  std::uint64_t batch_latency_us_last = 0;
  std::uint64_t batch_latency_us_max = 0;
  std::uint64_t batch_latency_us_sum = 0;
  std::uint64_t queue_depth = 0;
  bool database_down = false;
};

class telemetry_store : public component {
 public:
  struct options {
    std::size_t queue_capacity = 65536;
    std::size_t batch_max = 4096;
    duration batch_delay = std::chrono::milliseconds(50);  // longest an event waits for its batch
    full_policy when_full = full_policy::block;
    duration block_timeout = std::chrono::seconds(1);
    bool durable = false;  // acknowledge only once appended to the spool and fsynced
    std::filesystem::path spool_dir = "telemetry-spool";
    std::uint64_t spool_segment_bytes = 64ull << 20;
    duration flush_budget = std::chrono::seconds(5);  // shutdown drain into the database
    duration retry_initial = std::chrono::milliseconds(100);
    duration retry_max = std::chrono::seconds(5);
    bool postgresql_copy = true;  // fresh batches by COPY (replays always INSERT ... ON CONFLICT DO NOTHING)
  };
  // Section keys: queue_capacity, batch_max, batch_delay, when_full (block|drop|spill), block_timeout,
  // durable, spool_dir, spool_segment_bytes, flush_budget, retry_initial, retry_max, postgresql_copy.
  static options read_options(config::section& section);

  // The table, as migrations of owner "telemetry" (applied by start() if the schema did not).
  static std::vector<migration> migrations();

  explicit telemetry_store(options o);
  // The same, with the counters also on `metrics_of`'s /metrics (lifespan_telemetry_*, label
  // store=<component name>), read at scrape time: svc.add<telemetry_store>("telemetry", &svc).
  telemetry_store(options o, service* metrics_of);
  ~telemetry_store() override;

  void start(context& ctx) override;
  void stop(time_point deadline) override;
  std::optional<health_report> check_health(std::stop_token cancel) override;

  ack record(event e);
  telemetry_metrics metrics() const;
  std::string last_error() const;

  struct state;  // shared with the writer thread

 private:
  options options_;
  std::shared_ptr<state> state_;
  service* metrics_of_ = nullptr;
  std::shared_ptr<const prometheus::Collectable> collector_;  // held weakly by metrics_of_'s registry
};

// Spool files waiting in `dir` for a replay (by any store that used it), oldest first.
std::vector<std::filesystem::path> spool_files(const std::filesystem::path& dir);

}  // namespace lifespan::data
