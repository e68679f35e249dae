#pragma once
// What the server's threads share: the configuration, the routes as bound at start, the service to
// read probes from, the heartbeat, and the counters that drain() waits on.
//
// Threading: everything here is either immutable once the I/O threads run (options, routes, bound,
// beats) or atomic; `closed` is notified whenever the last open connection goes away.
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <utility>
#include <vector>

#include <spdlog/logger.h>

#include "exchange.hpp"
#include "heartbeat.hpp"
#include "request_metrics.hpp"
#include "lifespan/http/server.hpp"

namespace lifespan::http::detail {

class async_gate;
class handler_pool;

struct server_state {
  server_state(server::options o, service& s, std::shared_ptr<const router> r)
      : options(std::move(o)), svc(s), routes(std::move(r)) {}

  const server::options options;
  service& svc;
  const std::shared_ptr<const router> routes;
  std::string name = "http";            // the component's name, for logs
  std::vector<bound_route> bound;       // per route index; filled by start() before any I/O thread runs
  std::size_t io_threads = 0;           // set by start()
  std::shared_ptr<heartbeat> beats;     // the I/O pool's; set by start()
  std::shared_ptr<request_metrics> metrics;  // set by start(); the service's registry holds it weakly
  handler_pool* handlers = nullptr;     // set by start(); outlives the I/O threads (server.cpp's stop order)
  std::shared_ptr<async_gate> async;    // set by start(); closed by stop() before the I/O threads go
  std::shared_ptr<spdlog::logger> log;
  std::string retry_after;              // the Retry-After value, in whole seconds
  std::string turn_away_response;       // the complete 503 sent beyond max_connections

  std::atomic<bool> draining{false};    // drain() began: no keep-alive any more
  std::atomic<bool> stopping{false};    // stop() began
  std::stop_source cancel;              // handlers' stop token: drain deadline or stop()

  std::atomic<int> open{0};             // connections, including those being turned away
  std::atomic<int> serving{0};          // connections counted against max_connections
  std::mutex closed_mutex;
  std::condition_variable closed;       // notified when `open` drops to zero

  void connection_closed(bool counted) {
    if (counted) serving.fetch_sub(1);
    if (open.fetch_sub(1) == 1) {
      std::lock_guard lock(closed_mutex);
      closed.notify_all();
    }
  }
};

// One open connection's claim on the counters, released exactly once: by the connection when it
// begins its lingering close (its last response is written, so neither max_connections nor drain()
// need to wait for it), or by whoever holds it last (a connection, or an accepted socket whose
// connection never started because the server stopped).
class connection_slot {
 public:
  connection_slot() = default;
  connection_slot(server_state& s, bool counted) : state_(&s), counted_(counted) {
    s.open.fetch_add(1);
    if (counted) s.serving.fetch_add(1);
  }
  connection_slot(connection_slot&& other) noexcept : state_(std::exchange(other.state_, nullptr)), counted_(other.counted_) {}
  connection_slot& operator=(connection_slot&&) = delete;
  ~connection_slot() { release(); }
  void release() {
    if (state_) std::exchange(state_, nullptr)->connection_closed(counted_);
  }

 private:
  server_state* state_ = nullptr;
  bool counted_ = false;
};

}  // namespace lifespan::http::detail
