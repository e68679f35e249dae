// The server as a component: start() binds and returns, drain() closes the listener and waits for
// in-flight requests, stop() closes everything and joins the threads. Also add_server().
#include "lifespan/http/server.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "lifespan/metrics/registry.hpp"
#include "lifespan/systemd/notify.hpp"
#include "async_gate.hpp"
#include "handler_pool.hpp"
#include "listener.hpp"
#include "probes.hpp"

namespace lifespan::http {

namespace {

std::string endpoint_text(const boost::asio::ip::tcp::endpoint& e) {
  return e.address().is_v6() ? fmt::format("[{}]:{}", e.address().to_string(), e.port())
                             : fmt::format("{}:{}", e.address().to_string(), e.port());
}

// Written next to the target and renamed over it, so a reader never sees half an address.
void write_address_file(const std::string& path, const std::string& text) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << text << '\n';
    out.close();
    if (!out) throw std::runtime_error(fmt::format("address_file: cannot write '{}'", temporary));
  }
  std::error_code ec;
  std::filesystem::rename(temporary, path, ec);
  if (ec) throw std::runtime_error(fmt::format("address_file: cannot rename '{}' to '{}': {}", temporary, path, ec.message()));
}

// After the drain deadline, how long drain() waits for the 503s it sent to be written before stop()
// closes every socket: a loopback or LAN write takes microseconds; a client too slow for this is cut.
constexpr auto give_up_grace = std::chrono::milliseconds(500);

std::string turn_away_response(const detail::server_state& s) {
  const std::string body = fmt::format(
      R"({{"error":"overloaded","reason":"the server already has max_connections ({}) open connections"}})",
      s.options.max_connections);
  return fmt::format(
      "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: {}\r\nRetry-After: {}\r\n"
      "Connection: close\r\n\r\n{}",
      body.size(), s.retry_after, body);
}

}  // namespace

struct server::impl {
  impl(options o, service& svc, std::shared_ptr<const router> routes)
      : state(std::move(o), svc, routes ? std::move(routes) : std::make_shared<const router>()) {}

  // Declaration order is destruction order reversed: the listener refers to the pool, both to state.
  detail::server_state state;
  std::unique_ptr<detail::io_pool> pool;
  std::unique_ptr<detail::handler_pool> handlers;  // its queued jobs hold connections: destroyed before the pool
  std::unique_ptr<detail::listener> listener;

  std::mutex lifecycle;  // start() and stop() (which may overlap when a start overruns its budget)
  bool stopped = false;
  std::atomic<std::uint16_t> port{0};
  mutable std::mutex address_mutex;
  std::string address;
  bool wrote_address_file = false;
  std::shared_ptr<const std::function<bool()>> watchdog_check;  // registered weakly with systemd::

  void bind_routes(const context& ctx);
  void shut_down();  // stop()'s work; idempotent
};

void server::impl::bind_routes(const context& ctx) {
  const auto& routes = *state.routes;
  state.bound.resize(routes.size());
  for (std::size_t i = 0; i < routes.size(); ++i) {
    const route& r = routes.at(i);
    auto& b = state.bound[i];
    b.decl = &r;
    for (const auto& d : r.dependencies())
      b.dependencies.push_back({state.svc.watch(d.component), d.required, d.type, d.bind ? d.bind(ctx) : nullptr});
  }
}

void server::impl::shut_down() {
  if (stopped) return;
  stopped = true;
  watchdog_check.reset();  // the pool stops beating now: that is not a stall
  state.stopping.store(true);
  state.draining.store(true);
  state.cancel.request_stop();
  if (listener) listener->close();
  if (pool) pool->halt();
  if (handlers) handlers->halt();  // queued handlers never run; their connections are released here
  if (state.async) state.async->close();  // responders still out answer nothing; their connections go here
  if (listener) listener->join();
  if (handlers) handlers->join();  // running handlers were signalled (cancel) and are waited for
  if (pool) pool->join();
  if (state.metrics) state.metrics->handlers.store(nullptr);
  listener.reset();
  handlers.reset();
  pool.reset();  // destroys what the pool still held: connections, queued sockets
  if (wrote_address_file) {
    std::error_code ignored;
    std::filesystem::remove(state.options.address_file, ignored);
  }
}

server::server(options o, service& svc, std::shared_ptr<const router> routes)
    : impl_(std::make_unique<impl>(std::move(o), svc, std::move(routes))) {}

server::~server() {
  std::lock_guard lock(impl_->lifecycle);
  impl_->shut_down();
}

void server::start(context& ctx) {
  std::lock_guard lock(impl_->lifecycle);
  if (impl_->stopped) throw std::runtime_error("server stopped before it started");
  auto& s = impl_->state;
  s.name = ctx.name();
  s.log = spdlog::default_logger();
  impl_->bind_routes(ctx);

  const int threads = s.options.threads > 0 ? s.options.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  s.io_threads = static_cast<std::size_t>(threads);
  s.beats = std::make_shared<detail::heartbeat>(lifespan::steady());
  // systemd's watchdog is fed only while the I/O pool beats (the check is dropped before it halts).
  impl_->watchdog_check = std::make_shared<const std::function<bool()>>(
      [beats = s.beats, threshold = s.options.stall_threshold] { return !beats->stalled(threshold); });
  systemd::add_liveness_check(s.svc, impl_->watchdog_check);
  s.metrics = std::make_shared<detail::request_metrics>(*s.routes, detail::builtin_paths());
  metrics::of(s.svc).add(s.metrics);
  const auto seconds = std::chrono::duration<double>(s.options.retry_after).count();
  s.retry_after = std::to_string(static_cast<long long>(std::ceil(seconds)));
  s.turn_away_response = turn_away_response(s);

  impl_->handlers = std::make_unique<detail::handler_pool>(static_cast<std::size_t>(s.options.handler_threads),
                                                           static_cast<std::size_t>(s.options.handler_queue), s.name, s.log);
  s.handlers = impl_->handlers.get();
  s.async = std::make_shared<detail::async_gate>();
  s.metrics->handlers.store(impl_->handlers.get());
  impl_->pool = std::make_unique<detail::io_pool>(s, static_cast<std::size_t>(threads));
  impl_->listener = std::make_unique<detail::listener>(s, *impl_->pool);
  const auto bound = impl_->listener->open(s.options.address, s.options.port);
  {
    std::lock_guard address_lock(impl_->address_mutex);
    impl_->address = endpoint_text(bound);
  }
  impl_->port.store(bound.port());
  if (!s.options.address_file.empty()) {
    write_address_file(s.options.address_file, impl_->address);
    impl_->wrote_address_file = true;
  }
  impl_->pool->start();
  impl_->listener->start();
  s.log->info("{}: listening on {} ({} I/O thread{}, up to {} handler thread{}, handler queue {})", s.name,
              impl_->address, threads, threads == 1 ? "" : "s", s.options.handler_threads,
              s.options.handler_threads == 1 ? "" : "s", s.options.handler_queue);
}

void server::drain(time_point deadline) {
  // `deadline` is on the steady clock, as the runtime's is unless a test injects a manual clock.
  auto& s = impl_->state;
  {
    std::lock_guard lock(impl_->lifecycle);  // not held while waiting: stop() may come at the deadline
    if (impl_->stopped) return;
    s.draining.store(true);
    if (impl_->listener) impl_->listener->close();
    if (impl_->pool) impl_->pool->close_idle();
  }
  std::unique_lock wait_lock(s.closed_mutex);
  if (s.closed.wait_until(wait_lock, deadline, [&] { return s.open.load() == 0; })) return;
  wait_lock.unlock();
  // The deadline: every handler's stop token, then 503 for each request still unanswered (written by
  // the I/O threads, which handlers never occupy), and a short wait for those writes before stop().
  s.cancel.request_stop();
  {
    std::lock_guard lock(impl_->lifecycle);
    if (impl_->stopped) return;
    if (impl_->pool) impl_->pool->give_up_all();
  }
  wait_lock.lock();
  s.closed.wait_for(wait_lock, give_up_grace, [&] { return s.open.load() == 0; });
  const int left = s.open.load();
  wait_lock.unlock();
  const auto answered = s.metrics->rejected(detail::rejection::shutdown);
  s.log->warn("{}: drain deadline reached: {} unanswered request{} got {} stop token and a 503 (Connection: close); "
              "{} connection{} still open, closed by stop()",
              s.name, answered, answered == 1 ? "" : "s", answered == 1 ? "its" : "their", left, left == 1 ? "" : "s");
}

void server::stop(time_point deadline) {
  // Joining the handler threads waits for handlers still running: their stop tokens are signalled, and
  // one that ignores its token holds stop() up until it returns (the runtime's stop timeout reports it).
  (void)deadline;
  std::lock_guard lock(impl_->lifecycle);
  impl_->shut_down();
  if (impl_->state.log) impl_->state.log->info("{}: stopped", impl_->state.name);
}

std::uint16_t server::port() const noexcept { return impl_->port.load(); }

std::string server::address() const {
  std::lock_guard lock(impl_->address_mutex);
  return impl_->address;
}

component_builder add_server(service& svc, router routes, std::string name) {
  for (auto path : detail::builtin_paths()) {
    const auto allowed = routes.allowed(split_path(path));
    if (!allowed.empty())
      throw std::invalid_argument(fmt::format("http::add_server: a route answers {}, which is a built-in endpoint; choose another path", path));
  }
  auto needed = routes.dependencies();
  auto shared = std::make_shared<const router>(std::move(routes));
  metrics::install(svc);
  svc.config_default("shutdown.readiness_delay=5s");  // graceful by default: load balancers get time to notice
  systemd::install(svc);  // a no-op unless $NOTIFY_SOCKET is set
  component_builder b = svc.add<server>(std::move(name), std::ref(svc), std::move(shared));
  b.critical();
  for (auto& component : needed) b.optional(std::move(component));
  return b;
}

}  // namespace lifespan::http
