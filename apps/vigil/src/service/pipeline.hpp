#pragma once
// The detection pipeline component (ready-gating; requires the rules and the alert store).
//
//   tailer ──raw──► detect ×N ──reorder──► windows ──analyzed──► score ──scored──► store ──► database
//
// Every arrow is bounded: raw, analyzed and scored are bounded_queues of `queue_capacity` batches; the
// reorder buffer (pipeline_order.hpp) holds at most max(queue_capacity, detect_threads) batches.
//  - detect (`detect_threads` workers, pipeline_detect.hpp): the order-free part of a line. Each worker
//    takes the next raw batch, numbered in the order the tailer handed them over, and parses its lines,
//    resolves the client, drops allow-listed clients, runs vigil's signatures and CRS (the rule sets in
//    force, refreshed between batches, so a reload never splits a line) and, in hybrid mode, the
//    feature vectors. It builds the rule alerts. Workers finish out of order.
//  - windows (one thread, pipeline_windows.hpp): takes the batches back in their original order and
//    applies what depends on it: the per-client behaviour windows, merged with the rule alerts in line
//    order. So alerts, their order and the saved positions are the same for any number of workers.
//  - score (one thread, pipeline_score.cpp): with a scorer, scores every parsed line and applies its
//    decision (threat_model.hpp): rule alerts carry the score and take the decided severity, or are
//    vetoed (counted, not stored); lines the rules missed but the model flags become "model" alerts.
//    Without one: passes on. Then, with a country lookup (GeoIP), each alert gets its client's country.
//  - store (one thread, pipeline_store.cpp): gathers what is queued (up to max_commit_lines), then
//    writes alerts and the files' positions in one transaction, in batch order. A failed write is
//    retried with backoff and never skipped: the queues fill up and the tailer stops reading
//    (backpressure) until the database is back.
//
// Shutdown: drain() does nothing (the tailer, which depends on this component, may still hand over its
// last batches); stop() closes the input and lets every stage finish what is queued (the workers end
// when raw is empty, the last one closes the reorder buffer, each later stage closes its output once
// its input is exhausted), so every line read gets its alerts stored and its position saved, unless
// the database stays unreachable past the stop deadline (then the unsaved positions make the next run
// process those lines again).
//
// Thread-safety: submit() from any number of threads (the tailer's); the accessors from any thread.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "behaviour/behaviour.hpp"
#include "lifespan/config/config.hpp"
#include "lifespan/core/component.hpp"
#include "parse/line_parser.hpp"
#include "service/alert.hpp"
#include "service/bounded_queue.hpp"
#include "service/country_lookup.hpp"
#include "service/scorer.hpp"
#include "service/source.hpp"

namespace lifespan {
class service;
}

namespace vigil::service {

class alert_store;
class rules_component;
struct detected_batch;
struct analyzed_batch;
template <class T>
class reorder_buffer;

// Complete lines read from one file generation.
struct raw_batch {
  source_ptr file;
  std::uint64_t begin = 0;  // offset of text[0]
  std::uint64_t end = 0;    // position once this batch is processed (past skipped over-long lines too)
  std::string text;         // whole lines, each ending in '\n'
  bool retire = false;      // last batch of a rotated file: its position row is removed
  std::chrono::steady_clock::time_point read_at;
};

struct pipeline_stats {
  std::uint64_t lines_read = 0, lines_detected = 0, lines_analyzed = 0, lines_stored = 0, malformed = 0;
  std::uint64_t alerts_stored = 0, alerts_replayed = 0, commits = 0, store_errors = 0, backpressure_waits = 0;
  std::uint64_t alerts_vetoed = 0;       // hybrid: rule hits the model's score outweighed
  std::size_t raw_depth = 0, reorder_depth = 0, analyzed_depth = 0, scored_depth = 0;
  unsigned detect_threads = 0;
  std::string mode;
  std::size_t behaviour_clients = 0;     // clients in the behaviour windows (<= behaviour_max_clients)
  std::uint64_t behaviour_evicted = 0;   // least recently seen clients forgotten at that bound
};

class pipeline : public lifespan::component {
 public:
  struct options {
    parser_options parser;
    bool behaviour = true;
    behaviour_options windows;
    std::size_t queue_capacity = 64;      // batches per queue (a batch is at most the tailer's read size)
    unsigned detect_threads = default_detect_threads();  // detect workers; 1: detection on one thread
    std::size_t max_commit_lines = 20000; // lines per store transaction
    // Reverse proxies whose X-Forwarded-For / X-Real-IP are believed (CIDRs): rules, behaviour windows
    // and GeoIP then see the real client, and alerts keep the proxy (parse/client_address.hpp).
    std::vector<std::string> trusted_proxies;
    lifespan::duration retry_initial = std::chrono::milliseconds(100);
    lifespan::duration retry_max = std::chrono::seconds(2);
    lifespan::duration commit_delay{};    // fault injection for tests: a slow store stage
  };
  static options read_options(lifespan::config::section& section);
  // The machine's cores (std::thread::hardware_concurrency), at least 1.
  static unsigned default_detect_threads();

  pipeline(options o, lifespan::service* svc);
  ~pipeline() override;

  void start(lifespan::context& ctx) override;
  void stop(lifespan::time_point deadline) override;

  // Blocks while the first queue is full (backpressure). False once stopping or when `stop` is signalled
  // first; the batch is then not processed (and its lines are read again after a restart).
  bool submit(raw_batch batch, std::stop_token stop);

  // Hybrid mode while a scorer is set; nullptr returns to rules mode. Any thread.
  void set_scorer(std::shared_ptr<scorer> s);
  std::string mode() const;
  // Alerts get their client's country while a lookup is set (GeoIP); nullptr: no country. Any thread;
  // takes effect from the next batch, and a batch in progress keeps the lookup it started with.
  void set_country_lookup(std::shared_ptr<const country_lookup> lookup) { countries_.store(std::move(lookup)); }

  pipeline_stats stats() const;
  // Called on the store thread after each commit with the alerts it stored (must be quick). Any
  // thread, any time; an empty function removes the observer. Once on_commit() returns, the previous
  // observer is neither running nor called again, so its owner may go away (live_feed::stop relies on
  // it). The observer runs under the lock that ensures this: it must not call on_commit() itself.
  using commit_observer = std::function<void(const std::vector<alert>&, std::uint64_t lines)>;
  void on_commit(commit_observer observer);
  // Waits until `done(stats())` holds or `timeout` passes; woken by every commit.
  bool wait_for(const std::function<bool(const pipeline_stats&)>& done, std::chrono::milliseconds timeout);

 private:
  struct metrics;
  void detect_loop();
  void windows_loop();
  void score_loop();
  void store_loop();
  void commit(std::vector<analyzed_batch>& pending);

  options options_;
  lifespan::service* svc_;
  rules_component* rules_ = nullptr;
  alert_store* store_ = nullptr;
  std::unique_ptr<metrics> metrics_;
  std::unique_ptr<bounded_queue<raw_batch>> raw_;
  std::mutex take_mutex_;           // a worker holds it while it pops and numbers one raw batch
  std::uint64_t next_sequence_ = 0;  // guarded by take_mutex_
  std::unique_ptr<reorder_buffer<detected_batch>> reorder_;
  std::atomic<unsigned> detecting_{0};  // workers still running; the last one closes reorder_
  std::unique_ptr<bounded_queue<analyzed_batch>> analyzed_, scored_;
  std::vector<std::thread> detect_threads_;
  std::thread windows_thread_, score_thread_, store_thread_;
  std::atomic<std::shared_ptr<scorer>> scorer_;
  std::atomic<std::shared_ptr<const country_lookup>> countries_;
  std::atomic<bool> stopping_{false};
  std::atomic<lifespan::time_point::rep> give_up_at_{0};  // store retries end here once stopping
  std::mutex observer_mutex_;  // held while the observer runs, and to replace it
  commit_observer observer_;

  std::atomic<std::uint64_t> lines_read_{0}, lines_detected_{0}, lines_analyzed_{0}, lines_stored_{0}, malformed_{0};
  std::atomic<std::uint64_t> alerts_stored_{0}, alerts_replayed_{0}, commits_{0}, store_errors_{0};
  std::atomic<std::uint64_t> alerts_vetoed_{0};
  std::atomic<std::uint64_t> behaviour_tracked_{0}, behaviour_evicted_{0};  // after each analysed batch
  mutable std::mutex commit_mutex_;
  std::condition_variable committed_;
};

}  // namespace vigil::service
