#pragma once
// The HTTP server as a component: application routes plus the probes an orchestrator needs, with a
// listener that opens at time zero and a shutdown that drops nothing.
//
//   lifespan::service svc{"alerts"};
//   svc.add<alert_store>("db");
//   lifespan::http::router routes;
//   routes.get("/api/alerts/{id}", get_alert).needs<alert_store>("db");
//   lifespan::http::add_server(svc, std::move(routes));   // component "http", section "http:"
//   return svc.main(argc, argv);
//
// Built-in endpoints (GET and HEAD), which read the service's state and never call into a component:
//   /livez  (/health)  200 while the I/O threads still run handlers; 503 once none has for longer than
//                      `stall_threshold` (a heartbeat timer on their shared event loop). The threads share
//                      every connection, so one blocked handler stalls only its own connection and does
//                      not fail /livez. Never depends on other components.
//   /readyz (/ready)   200 only while service::is_ready(); the body lists every component with its state.
//                      With `ready_when_degraded: false`, a degraded service answers 503 as well.
//   /startupz          503 until every critical component is up (the service reached READY), then 200.
//   /health/detailed   200 with each component's state, health, reason, time in state, last health check
//                      and start duration.
//   /metrics           the service's Prometheus registry (lifespan/metrics/registry.hpp) in the text
//                      format: service and component metrics, plus lifespan_http_requests_total{method,
//                      route,status}, lifespan_http_request_duration_seconds{method,route},
//                      lifespan_http_requests_in_flight, lifespan_http_connections_open,
//                      lifespan_http_requests_rejected_total{reason} (queue_full, timeout, shutdown),
//                      lifespan_http_handler_threads_busy and lifespan_http_handler_queue_depth.
//   /debug/startup     the startup timeline as JSON, with the critical path.
//   /debug/startup.svg the same as a Gantt chart (one bar per component, coloured by criticality, the
//                      critical path outlined).
//   /debug/graph       the component graph: ?format=json (default) or ?format=dot.
//
// Lifecycle: the server is critical and has no required dependency, so it starts at time zero in
// parallel with everything else; start() binds, listens and returns within milliseconds. Routes answer
// 503 until what they need is up. On shutdown it keeps serving normally through the readiness delay
// (only /readyz turns 503). drain(deadline) closes the listener (after taking the connections the
// kernel had already completed; /livez stops answering from here), closes keep-alive connections that
// hold no request bytes, answers every request being handled, queued, already sent or pipelined (the
// last on each connection with `Connection: close`), waits for them until the deadline, then signals
// every handler's stop token, answers what is still unanswered 503 with `Connection: close` (counted
// in a log line) and closes what is left. stop() closes everything and joins the I/O and handler
// threads. (Deadlines are taken on the steady clock, the runtime's own unless a test injects a manual
// clock.)
//
// Limits (all in the component's configuration section, see `options`; docs/security.md has the table):
// a header larger than `max_header_bytes` gets 431, and so does a request whose header, chunk
// extensions and trailer together exceed it; a body larger than `max_body_bytes` 413; a
// Transfer-Encoding other than a lone `chunked` 501 (an unknown coding) or 400 (malformed, `chunked`
// not last, or with Content-Length), each followed by a close; JSON nested deeper than `max_json_depth`
// 400. A route's guards run as soon as the header is in, so a refused client's body is never read. A
// malformed request 400, an
// unknown path 404, a known path with another method 405 with Allow; every error body is
// {"error": ..., "reason": ...}. A client that does not send a complete header within `header_timeout`
// (from connect, or from the first byte of a later request) is disconnected, with a 408 if it had sent
// anything; an idle keep-alive connection is closed after `idle_timeout`. Beyond `max_connections` open connections, a new
// connection is accepted, answered at once with 503 (Retry-After, `Connection: close`) and closed.
//
// Threading (docs/http.md has the whole model): `threads` I/O threads sharing one event loop only
// parse, dispatch and write; a connection's events run one at a time, each on whichever I/O thread is
// free. Route handlers run on up to `handler_threads` handler threads, started on demand, behind a
// queue of `handler_queue` requests: a full queue is answered 503 (Retry-After) at once, and counted
// in lifespan_http_requests_rejected_total{reason="queue_full"}. Built-ins, static files, event-stream
// writers and routes marked run_inline() are answered on the I/O threads, so probes are never starved
// by handlers. A pool route's request is bounded by `request_timeout` (or its route's timeout()): at
// the deadline its stop token fires and it is answered 503 ({reason="timeout"}). The default of 64
// handler threads: blocking handlers need one thread each while they wait (threads = requests/s x
// handler time), and 50 clients on a 200 ms handler need 50 for 250 req/s; an idle thread costs a
// parked stack. A separate thread accepts connections, so the listener can be closed even while every
// I/O thread is busy.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "lifespan/config/config.hpp"
#include "lifespan/core/component.hpp"
#include "lifespan/core/service.hpp"
#include "lifespan/http/router.hpp"

namespace lifespan::http {

class server final : public component {
 public:
  struct options {
    std::string address = "0.0.0.0";    // address to bind (IPv4 or IPv6)
    int port = 8080;                    // 0: any free port (see address_file)
    std::string address_file;           // when set: "HOST:PORT\n" written there once listening, removed by stop()
    int threads = 0;                    // I/O threads, sharing all connections; 0: one per core
    // Handler threads: at most this many route handlers run at once (see Threading above for why 64).
    int handler_threads = 64;
    int handler_queue = 256;            // requests waiting for a handler thread; beyond: 503 queue_full
    duration request_timeout = std::chrono::seconds(30);  // complete request to response; route's timeout() wins
    int max_connections = 10000;
    std::int64_t max_header_bytes = 16 * 1024;
    std::int64_t max_body_bytes = 1024 * 1024;
    int max_json_depth = 64;            // request::json() answers 400 beyond this nesting
    duration header_timeout = std::chrono::seconds(10);  // whole header, from connect or first byte
    duration body_timeout = std::chrono::seconds(30);    // whole body, once the header is in
    duration idle_timeout = std::chrono::seconds(60);    // keep-alive connection with no request
    duration write_timeout = std::chrono::seconds(30);   // one response
    duration retry_after = std::chrono::seconds(1);      // Retry-After of 503s (rounded up to seconds)
    duration heartbeat_interval = std::chrono::milliseconds(100);
    duration stall_threshold = std::chrono::seconds(2);  // /livez fails when no I/O thread ran for longer
    bool ready_when_degraded = true;    // /readyz while degraded: 200 with "degraded": true, or 503
  };
  // The component's section, e.g.  http: { port: 0, address_file: /run/alerts/http, threads: 2 }
  static options read_options(config::section& section);

  // `svc` must outlive the server (it always does when the server is one of its components).
  server(options o, service& svc, std::shared_ptr<const router> routes);
  ~server() override;

  void start(context& ctx) override;
  void drain(time_point deadline) override;
  void stop(time_point deadline) override;

  // Any thread, once start() has returned.
  std::uint16_t port() const noexcept;
  std::string address() const;  // "127.0.0.1:8080", "[::1]:8080"

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

// Registers the server as component `name` (its configuration section has the same name), critical,
// makes shutdown.readiness_delay default to 5 s (the file, the environment or --set may say otherwise),
// installs the service's metrics (metrics::install) and, when $NOTIFY_SOCKET is set, the systemd notify
// protocol (systemd::install; the server's I/O-pool heartbeat gates WATCHDOG=1),
// with no required dependency: it starts at time zero. Every component a route needs is declared an
// optional dependency of the server, so that
//  - a misspelled name is reported by the graph validation, before anything runs, with a suggestion;
//  - the server is stopped before any component its routes use;
//  - typed access (needs<T>, optional<T>) resolves through the server's context.
// Throws std::invalid_argument when a route shadows a built-in endpoint (/livez, /readyz, ...).
component_builder add_server(service& svc, router routes, std::string name = "http");

}  // namespace lifespan::http
