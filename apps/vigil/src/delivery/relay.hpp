#pragma once
// The relay: one thread that feeds one sink from its outbox backlog (delivery/outbox.hpp).
//
// Each round: take the sink's lease or renew it once half of it has run (one relay per sink across
// replicas; without it the relay stands by), trim the backlog to max_backlog (the oldest undelivered rows are skipped, counted and
// logged as a warning), then deliver the oldest batch_size alerts and remove the rows the sink
// confirmed. A failure keeps the rows and retries after a backoff (retry_initial doubling up to
// retry_max), trimming meanwhile; an empty backlog sleeps poll_interval and probes the destination
// every probe_interval, so an outage shows before the next alert. wake() (called when the alert store
// commits new alerts, see sink_component) starts the next round at once, so alerts written by this
// process leave without waiting for the poll; the poll remains for other replicas' writes and as a
// fallback. A wake during a backoff only re-checks the bound: the retry still waits for its time.
//
// Guarantees: at-least-once (rows are removed after the sink confirmed them; a crash in between
// delivers them again), in outbox order per sink, bounded backlog. The pipeline never waits for a
// relay: the alert store only inserts outbox rows, and the relay holds no transaction while its sink
// talks to the destination.
//
// Lifetime: start() registers the sink in the outbox (from then on every new alert is queued for it)
// and starts the thread; stop() (also the destructor) signals the sink through its stop token, joins
// the thread and releases the lease so another replica takes over at once. The sink and the store
// must outlive the relay. status() and problem() may be called from any thread.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "delivery/outbox.hpp"
#include "delivery/sink.hpp"
#include "lifespan/config/config.hpp"

namespace vigil::delivery {

struct relay_options {
  std::size_t batch_size = 200;
  std::int64_t max_backlog = 100000;  // per sink; beyond it the oldest undelivered alerts are skipped
  lifespan::duration poll_interval = std::chrono::milliseconds(250);
  lifespan::duration retry_initial = std::chrono::milliseconds(500);
  lifespan::duration retry_max = std::chrono::seconds(30);
  lifespan::duration probe_interval = std::chrono::seconds(5);
  lifespan::duration lease = std::chrono::seconds(30);
  // Who holds the lease. Empty: this host's name, so a process restarted after a crash takes its own
  // lease back at once, while another host waits for it to expire. Replicas need distinct host names
  // (pods and containers have them); tests running two relays in one process set their own.
  std::string holder;

  // Keys batch_size, max_backlog, poll_interval, retry_initial, retry_max, probe_interval, lease of a
  // sink's section (every sink reads them the same way).
  static relay_options read(lifespan::config::section& section);
};

struct relay_status {
  std::string sink, destination;
  std::uint64_t delivered = 0;  // by this process since start
  std::uint64_t skipped = 0;    // dropped beyond max_backlog or rejected by the destination
  std::uint64_t failures = 0;   // failed deliveries and probes
  std::int64_t backlog = 0;     // alerts waiting (as last counted)
  bool holding = false;         // this replica holds the sink's lease (else another one delivers)
  bool failing = false;         // the last delivery or probe failed
  std::string last_error;       // the latest failure, kept after recovery
  std::int64_t last_error_at = 0;  // epoch seconds; 0: none
};
nlohmann::json to_json(const relay_status& s);

class relay {
 public:
  relay(alert_sink& sink, service::alert_store& store, relay_options o);
  ~relay();
  relay(const relay&) = delete;
  relay& operator=(const relay&) = delete;

  void start();
  void stop();
  // New alerts may be waiting: run the next round now instead of at the next poll. Quick (a lock and
  // a notification); any thread. A wake while a round runs is kept for after it, never lost.
  void wake();

  relay_status status() const;
  // Why delivery does not work right now (for check_health); nullopt while it does.
  std::optional<std::string> problem() const;

 private:
  void run(std::stop_token stop);
  void round(std::stop_token stop, lifespan::time_point& wake_at);
  void failed(const std::string& why);
  void recovered();
  bool count_backlog(bool force);  // true when it counted (at most once per poll_interval)

  alert_sink& sink_;
  service::alert_store& store_;
  outbox box_;
  relay_options options_;
  std::string name_, holder_;
  std::jthread thread_;
  std::mutex wait_mutex_;
  std::condition_variable_any wake_;
  bool woken_ = false;  // guarded by wait_mutex_

  // Only the relay thread touches these.
  lifespan::duration backoff_{};
  lifespan::time_point retry_at_{}, next_probe_{}, counted_at_{}, renew_at_{};  // renew_at_ {}: not holding

  mutable std::mutex mutex_;
  relay_status status_;
};

}  // namespace vigil::delivery
