#pragma once
// A pooled HTTP client component on libcurl: one multi handle driven by one background thread, so
// connections are kept alive and reused across requests (the peers: Envoy's async client, userver's
// clients::http).
//
//   svc.add<lifespan::http_client::client>("http_client", &svc).background();   // &svc: metrics
//   svc.add<webhooks>("webhooks").background().depends_on<lifespan::http_client::client>();
//   ...
//   auto accepted = ctx.get<http_client::client>().submit(http_client::request::post(url, json),
//                                                         [](http_client::response r) { ... });
//
// Submission never blocks: submit() copies the request into a bounded backlog (queue_capacity counts
// every request the client holds: waiting for a connection, in flight, or waiting for a retry) and
// returns. When the backlog is full, or the client is not running, it returns a rejection at once and
// calls nothing; the rejection is counted.
//
// Every accepted request gets exactly one callback, with its outcome (request.hpp). Retries: transport
// errors, 5xx, 408 and 429 are retried up to max_attempts with exponential backoff (half fixed, half
// random) between backoff_initial and backoff_max; a Retry-After header is honoured (capped at
// retry_after_max). Other 4xx are final. A retry budget (Envoy's) keeps a failing endpoint from
// multiplying the load: at most max(retry_budget_min, retry_budget_percent% of the requests held) may be
// retrying at once; a request over budget ends with its last result and "retry budget exhausted".
//
// Lifecycle: start() starts the thread; drain() does nothing (dependents stop first and may still
// submit while they drain); stop(deadline) refuses new requests, fails the requests waiting for a
// retry, lets transfers in flight finish until shortly before the deadline (steady clock; a tenth of
// the budget, at most 200 ms, is kept for the callbacks, so stop() returns within its deadline), and
// then fails the rest. Requests that end that way get outcome::stopping and "client stopping".
//
// Timeouts count per attempt from the moment it is handed to curl, any wait for a connection slot
// (max_host_connections busy) included, so every attempt ends within `timeout` whatever the pool does.
//
// Thread-safety: submit(), fetch() and stats() may be called from any thread at any time, including
// from inside a callback. Callbacks run on the client's thread, one at a time: they must be quick and
// must not block (hand work to your own thread); an exception thrown by one is caught and counted as a
// callback error. What a callback captures by reference must live until stop() has returned; stop()
// returns only after the last callback has (the destructor stops at once if stop() was not called).
#include <cstddef>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <string>

#include "lifespan/core/component.hpp"
#include "lifespan/http_client/request.hpp"

namespace lifespan {
class service;
}

namespace lifespan::http_client {

enum class submit_status {
  accepted,
  queue_full,   // queue_capacity requests are already held
  stopping,     // stop() has begun (or is over)
  not_running,  // start() has not run yet
  invalid,      // unsendable: no URL or method, not http(s), malformed URL, header injection
};
std::string_view to_string(submit_status s) noexcept;

// Cumulative since start, except in_flight and held (current values).
struct stats {
  std::uint64_t submitted = 0;          // accepted by submit()/fetch()
  std::uint64_t rejected = 0;           // refused by submit()/fetch() (every submit_status but accepted)
  std::uint64_t completed = 0;          // callbacks with outcome::ok
  std::uint64_t failed = 0;             // callbacks with any other outcome
  std::uint64_t retried = 0;            // attempts after the first
  std::uint64_t budget_exhausted = 0;   // retries refused by the retry budget
  std::uint64_t connections_opened = 0; // new connections (CURLINFO_NUM_CONNECTS)
  std::uint64_t connections_reused = 0; // attempts that got a response over a kept-alive connection
  std::uint64_t callback_errors = 0;    // callbacks that threw
  std::uint64_t in_flight = 0;          // transfers handed to curl now
  std::uint64_t held = 0;               // accepted and not yet called back (what queue_capacity bounds)
};

class client : public component {
 public:
  struct options {
    int max_connections = 16;        // CURLMOPT_MAX_TOTAL_CONNECTIONS (also the size of the keep-alive cache)
    int max_host_connections = 4;    // CURLMOPT_MAX_HOST_CONNECTIONS
    std::size_t queue_capacity = 1024;
    duration connect_timeout = std::chrono::seconds(2);
    duration timeout = std::chrono::seconds(10);      // per attempt
    int max_attempts = 3;                             // 1: no retries
    duration backoff_initial = std::chrono::milliseconds(100);
    duration backoff_max = std::chrono::seconds(5);
    duration retry_after_max = std::chrono::seconds(30);
    double retry_budget_percent = 20.0;
    int retry_budget_min = 10;
    std::size_t max_response_bytes = 1 << 20;         // a longer body fails the attempt (not retried)
    std::string user_agent = "lifespan-http-client/0.1";
    std::string ca_file;                              // empty: the system's CA store
  };
  // Section keys: max_connections, max_host_connections, queue_capacity, connect_timeout, timeout,
  // max_attempts, backoff_initial, backoff_max, retry_after_max, retry_budget_percent, retry_budget_min,
  // max_response_bytes, user_agent, ca_file. Out-of-range values are reported with the key and a fix.
  static options read_options(config::section& section);

  // `svc` (optional) publishes the counters as lifespan_http_client_* Prometheus metrics on the
  // service's registry (lifespan/metrics/registry.hpp), one series per client labelled client="<name>".
  explicit client(options o, service* svc = nullptr);
  ~client() override;  // stops with an immediate deadline if still running
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  void start(context& ctx) override;
  void stop(time_point deadline) override;
  // Degraded while the backlog is 90 % full or more (the endpoints are slower than the submissions).
  std::optional<health_report> check_health(std::stop_token cancel) override;

  using callback = std::function<void(response)>;
  // Never blocks. `done` is called exactly once if (and only if) the result is accepted.
  submit_status submit(request r, callback done);
  // The same as a future; a rejection gives a ready future with outcome::rejected and the reason.
  std::future<response> fetch(request r);

  struct stats stats() const;
  const options& config() const noexcept { return options_; }

  struct engine;  // the curl side (src/http_client/engine.hpp)

 private:
  options options_;
  service* svc_;
  std::string name_ = "http_client";
  std::shared_ptr<engine> engine_;  // shared with the metrics collector, which may outlive the client
};

}  // namespace lifespan::http_client
