// Telemetry store throughput, each figure next to its peer measured in the same run.
//
//   BM_record_two_producers      record() from 2 threads into the queue (the writer drains into SQLite
//                                meanwhile); 400,000 events per thread, queue large enough to hold them.
//   BM_sustained_sqlite          1,000,000 events recorded by one producer until all are committed to
//                                SQLite (WAL, synchronous=NORMAL): events/s end to end.
//   BM_raw_sqlite_ceiling        the same rows through sqlite3 prepared inserts in 4,096-row
//                                transactions on the same file layout: the ceiling the store is held to.
//   BM_sustained_postgresql      500,000 events into a PostgreSQL 15 on loopback (server defaults:
//                                fsync and synchronous_commit on), started by the benchmark;
//                                copy:1 the default COPY path, copy:0 INSERT ... SELECT unnest ...
//                                ON CONFLICT DO NOTHING (the replay path) for the comparison.
//   BM_flush_1m_at_shutdown      1,000,000 events queued while the writer is held, then stop(): the
//                                time the store takes to put them all in SQLite.
// All run once per repetition (manual time); the machine is shared, so compare within one run.
#include <benchmark/benchmark.h>
#include <soci/soci.h>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <thread>

#include "lifespan/core/service.hpp"
#include "lifespan/data/database.hpp"
#include "lifespan/data/telemetry.hpp"
#include "lifespan/data/test_server.hpp"
#include "lifespan/testing/harness.hpp"

namespace {

using namespace std::chrono_literals;
namespace data = lifespan::data;
using steady = std::chrono::steady_clock;

struct temp_dir {
  temp_dir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "lifespan-bench-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) std::abort();
    path = pattern;
  }
  ~temp_dir() { std::filesystem::remove_all(path); }
  std::filesystem::path path;
};

template <class T>
class grab : public lifespan::component {
 public:
  explicit grab(std::shared_ptr<std::atomic<T*>> out) : out_(std::move(out)) {}
  void start(lifespan::context& ctx) override { out_->store(&ctx.get<T>()); }
  void stop(lifespan::time_point) override { out_->store(nullptr); }

 private:
  std::shared_ptr<std::atomic<T*>> out_;
};

struct running_store {
  running_store(const std::string& url, data::telemetry_store::options t) : svc("bench", quiet()) {
    data::database::options d;
    d.url = url;
    d.lease_timeout = 60s;
    svc.add_factory<data::database>("db", [d] { return std::make_unique<data::database>(d); });
    t.flush_budget = 120s;
    svc.add_factory<data::telemetry_store>("telemetry", [t] { return std::make_unique<data::telemetry_store>(t); })
        .depends_on<data::database>()
        .stop_timeout(180s);
    svc.add<grab<data::telemetry_store>>("grab", store).depends_on<data::telemetry_store>();
    svc.add<grab<data::database>>("grab_db", db).depends_on<data::database>();
    h.start();
    h.wait_for_event(lifespan::event_kind::component_up, "grab", 60s);
    h.wait_for_event(lifespan::event_kind::component_up, "grab_db", 60s);
    if (!store->load() || !db->load()) std::abort();
  }
  static lifespan::service_options quiet() {
    lifespan::service_options o;
    o.own_signals = false;
    o.read_environment = false;
    o.install_logger = false;
    return o;
  }
  std::shared_ptr<std::atomic<data::telemetry_store*>> store = std::make_shared<std::atomic<data::telemetry_store*>>();
  std::shared_ptr<std::atomic<data::database*>> db = std::make_shared<std::atomic<data::database*>>();
  lifespan::service svc;
  lifespan::testing::harness h{svc};
};

data::telemetry_store::options store_options(const temp_dir& dir) {
  data::telemetry_store::options t;
  t.spool_dir = dir.path / "spool";
  t.queue_capacity = 1 << 16;
  return t;
}

data::event sample(long i) { return {"request", "GET /a " + std::to_string(i % 1000), 0}; }

// ---- record() into the queue, two producers ----

std::unique_ptr<temp_dir> record_dir;
std::unique_ptr<running_store> record_store;

void BM_record_two_producers(benchmark::State& state) {
  if (state.thread_index() == 0) {
    record_dir = std::make_unique<temp_dir>();
    auto t = store_options(*record_dir);
    t.queue_capacity = 1 << 20;  // holds both producers' events: measures record(), not the writer
    record_store = std::make_unique<running_store>("sqlite://" + (record_dir->path / "r.db").string(), t);
  }
  long i = 0;
  for (auto _ : state) {
    if (record_store->store->load()->record(sample(i++)) != data::ack::accepted) state.SkipWithError("not accepted");
  }
  state.SetItemsProcessed(state.iterations());
}

void release_record_store() {  // both producer threads are done by the time the next benchmark runs
  record_store.reset();
  record_dir.reset();
}

// ---- sustained into SQLite, and the raw ceiling ----

double sustained(const std::string& url, long events, const temp_dir& dir, bool copy = true) {
  auto t = store_options(dir);
  t.postgresql_copy = copy;
  running_store r(url, t);
  auto* store = r.store->load();
  const auto t0 = steady::now();
  for (long i = 0; i < events; ++i)
    if (store->record(sample(i)) != data::ack::accepted) std::abort();
  while (store->metrics().written < static_cast<std::uint64_t>(events)) std::this_thread::sleep_for(200us);
  const double seconds = std::chrono::duration<double>(steady::now() - t0).count();
  r.h.stop();
  return seconds;
}

void BM_sustained_sqlite(benchmark::State& state) {
  release_record_store();
  const long events = state.range(0);
  for (auto _ : state) {
    temp_dir dir;
    state.SetIterationTime(sustained("sqlite://" + (dir.path / "s.db").string(), events, dir));
  }
  state.SetItemsProcessed(state.iterations() * events);
}

void BM_raw_sqlite_ceiling(benchmark::State& state) {
  const long events = state.range(0);
  for (auto _ : state) {
    temp_dir dir;
    sqlite3* db = nullptr;
    sqlite3_open((dir.path / "raw.db").c_str(), &db);
    sqlite3_exec(db,
                 "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; CREATE TABLE telemetry_events (origin BIGINT NOT "
                 "NULL, seq BIGINT NOT NULL, at_us BIGINT NOT NULL, kind TEXT NOT NULL, payload TEXT NOT NULL, PRIMARY "
                 "KEY (origin, seq))",
                 nullptr, nullptr, nullptr);
    sqlite3_stmt* insert = nullptr;
    sqlite3_prepare_v2(db,
                       "INSERT INTO telemetry_events (origin, seq, at_us, kind, payload) VALUES (?, ?, ?, ?, ?) ON "
                       "CONFLICT DO NOTHING",
                       -1, &insert, nullptr);
    const auto t0 = steady::now();
    for (long i = 0; i < events;) {
      sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
      for (long end = std::min(events, i + 4096); i < end; ++i) {
        const data::event e = sample(i);
        sqlite3_bind_int64(insert, 1, 42);
        sqlite3_bind_int64(insert, 2, i);
        sqlite3_bind_int64(insert, 3, 1700000000000000 + i);
        sqlite3_bind_text(insert, 4, e.kind.data(), static_cast<int>(e.kind.size()), SQLITE_TRANSIENT);
        sqlite3_bind_text(insert, 5, e.payload.data(), static_cast<int>(e.payload.size()), SQLITE_TRANSIENT);
        sqlite3_step(insert);
        sqlite3_reset(insert);
      }
      sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
    }
    state.SetIterationTime(std::chrono::duration<double>(steady::now() - t0).count());
    sqlite3_finalize(insert);
    sqlite3_close(db);
  }
  state.SetItemsProcessed(state.iterations() * events);
}

// ---- sustained into PostgreSQL ----

void BM_sustained_postgresql(benchmark::State& state) {
  const long events = state.range(0);
  data::test_server::options o;
  o.durable = true;
  data::test_server server(o);
  server.start();
  for (auto _ : state) {
    temp_dir dir;
    state.SetIterationTime(sustained(server.fresh_database(), events, dir, state.range(1) != 0));
  }
  state.SetItemsProcessed(state.iterations() * events);
}

// ---- flush of 1 M queued events at shutdown ----

void BM_flush_1m_at_shutdown(benchmark::State& state) {
  const long events = state.range(0);
  for (auto _ : state) {
    temp_dir dir;
    auto t = store_options(dir);
    t.queue_capacity = static_cast<std::size_t>(events) + 1024;
    running_store r("sqlite://" + (dir.path / "f.db").string(), t);
    auto* store = r.store->load();
    double seconds = 0;
    {
      auto hold = r.db->load()->writer();  // the writer takes at most one batch, then waits for this
      for (long i = 0; i < events; ++i)
        if (store->record(sample(i)) != data::ack::accepted) std::abort();
      const auto t0 = steady::now();
      r.svc.request_shutdown();
      hold = data::session_lease{};
      r.h.join(600s);
      seconds = std::chrono::duration<double>(steady::now() - t0).count();
    }
    state.SetIterationTime(seconds);
  }
  state.SetItemsProcessed(state.iterations() * events);
}

}  // namespace

BENCHMARK(BM_record_two_producers)->Threads(2)->Iterations(400000)->UseRealTime();
BENCHMARK(BM_sustained_sqlite)->Arg(1000000)->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_raw_sqlite_ceiling)->Arg(1000000)->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_sustained_postgresql)->ArgNames({"events", "copy"})->Args({500000, 1})->Args({500000, 0})->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_flush_1m_at_shutdown)->Arg(1000000)->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
