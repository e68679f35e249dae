#pragma once
// Routing by method and path, with path parameters, and the components each route needs.
//
//   lifespan::http::router routes;
//   routes.get("/api/alerts/{id}", [](lifespan::http::request& req) {
//     return lifespan::http::response::json({{"id", req.param("id")}, {"open", req.get<alert_store>("db").open()}});
//   }).needs<alert_store>("db");
//
// Patterns: segments separated by '/', each either literal or a parameter "{name}" that stands for one
// whole non-empty segment (percent-decoded before matching). Literal segments win over parameters, so
// "/alerts/new" is preferred to "/alerts/{id}". A GET route also answers HEAD (same headers, no body).
// A malformed pattern, or a second route with the same method and the same shape, throws
// std::invalid_argument from add(): these are programming errors, found before anything runs.
//
// Threading: build the router on one thread before service::run(); the server then owns it and reads it
// from its I/O and handler threads without locks, so it must not change any more (add_server takes it
// by value). Where each handler runs: see `handler` and run_inline() below, and docs/http.md.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lifespan/core/component.hpp"
#include "lifespan/http/message.hpp"
#include "lifespan/http/responder.hpp"

namespace lifespan::http {

// Runs on one of the server's handler threads (`handler_threads`), so it may block: on a database
// query, a lock, an outbound call. The request's stop_token() fires at the route's deadline
// (`request_timeout`, or timeout() below) and at the drain deadline; a handler that waits should wait
// on it. When the deadline passes the client is answered 503 at once and whatever the handler returns
// later is discarded; its thread is free again when it returns.
// A route marked run_inline() runs on an I/O thread instead, and must then never block: it holds up
// every connection that thread would serve, has no deadline (nothing can interrupt it), and once all
// I/O threads are blocked past `stall_threshold`, /livez fails (which is the point of /livez).
using handler = std::function<response(request&)>;

// An asynchronous handler (responder.hpp): runs on the I/O thread that read the request, starts the
// work and returns at once; `responder` answers later, from any thread. Deadlines and drain apply as
// for `handler`. For work that waits on I/O without holding a thread (an outbound call).
using async_handler = std::function<void(request&, responder)>;

// Where a route's handler runs; the response is written back on the connection's own strand either way.
enum class execution : std::uint8_t {
  pool,     // a handler thread (the default): may block
  inline_,  // the I/O thread that read the request: only for handlers that never block
  async,    // an async_handler: started on the I/O thread, answered through its responder
};

// A check the server runs before anything else for a request it routed (before the component check,
// so a refused client learns nothing about the service's state): nullopt lets the request go on, a
// response is sent instead of calling the handler. Runs on an I/O thread for every request it guards:
// keep it cheap and non-blocking. An exception from it is answered with 500. (bearer_auth.hpp makes
// guards that require a token.) It runs as soon as the request's header is in, before the body is
// read: a guard sees the header, the target and the route, and an empty body(); a refused request's
// body is never read (the connection closes after the answer).
using guard = std::function<std::optional<response>(const request&)>;

class route {
 public:
  // What the route needs before its handler may run. While any required component is not usable (not
  // yet started, starting, failed, stopping), the server answers 503 with Retry-After and a JSON body
  // naming the component and its state, without calling the handler. The check is one atomic load per
  // component. Names are validated with the service's graph (see add_server).
  route& needs(std::string component) { return add({std::move(component), true, nullptr, {}}); }
  // The same, plus typed access from the handler: req.get<T>(component).
  template <class T>
  route& needs(std::string component) {
    return add({component, true, lifespan::detail::type_key_of<T>(), binder<T>(component)});
  }
  // A component the route can do without: req.optional<T>(component) is null while it is not usable.
  template <class T>
  route& optional(std::string component) {
    return add({component, false, lifespan::detail::type_key_of<T>(), binder<T>(component)});
  }

  // Runs `g` before this route's component check and handler, after the guards added before it.
  route& guarded(http::guard g);

  // The handler runs on the I/O thread that read the request, not on a handler thread: cheaper by a
  // thread hop, for handlers that only read memory (probes, static files, event-stream openers).
  // (`inline` is a keyword, hence the name.)
  // (An asynchronous route always starts on the I/O thread, and keeps its deadline: this changes nothing.)
  route& run_inline() noexcept {
    if (execution_ == http::execution::pool) execution_ = http::execution::inline_;
    return *this;
  }
  // This route's deadline instead of the server's `request_timeout`: from the complete request to the
  // response, queueing included. Must be positive; does not apply to run_inline() routes.
  route& timeout(duration d);

  http::method method() const noexcept { return method_; }
  const std::string& pattern() const noexcept { return pattern_; }
  const http::handler& handler() const noexcept { return handler_; }  // empty for an asynchronous route
  const http::async_handler& async_handler() const noexcept { return async_handler_; }
  http::execution execution() const noexcept { return execution_; }
  const std::optional<duration>& timeout() const noexcept { return timeout_; }

  struct dependency {
    std::string component;
    bool required = true;
    const void* type = nullptr;  // set for typed access
    // Typed access: turns the server's context (where add_server declared the component optional)
    // into a getter that is null while the component is not usable. Called once, in server::start().
    std::function<std::function<void*()>(const context&)> bind;
  };
  const std::vector<dependency>& dependencies() const noexcept { return dependencies_; }
  // The parameter names of the pattern with the index of the path segment each one stands for.
  const std::vector<std::pair<std::string, std::size_t>>& parameters() const noexcept { return parameters_; }
  const std::vector<http::guard>& guards() const noexcept { return guards_; }
  std::size_t index() const noexcept { return index_; }  // position in the router, from 0

 private:
  friend class router;
  route(http::method m, std::string pattern, http::handler h, std::size_t index)
      : method_(m), pattern_(std::move(pattern)), handler_(std::move(h)), index_(index) {}
  route& add(dependency d);
  template <class T>
  static std::function<std::function<void*()>(const context&)> binder(std::string component) {
    return [component = std::move(component)](const context& ctx) -> std::function<void*()> {
      handle<T> h = ctx.optional<T>(component);
      return [h] { return static_cast<void*>(h.get()); };
    };
  }

  http::method method_;
  std::string pattern_;
  http::handler handler_;
  http::async_handler async_handler_;
  std::size_t index_;
  http::execution execution_ = http::execution::pool;
  std::optional<duration> timeout_;  // nullopt: the server's request_timeout
  std::vector<dependency> dependencies_;
  std::vector<std::pair<std::string, std::size_t>> parameters_;
  std::vector<http::guard> guards_;
};

class router {
 public:
  router();
  ~router();
  router(router&&) noexcept;
  router& operator=(router&&) noexcept;

  // The returned route stays valid (and at the same address) as long as the router.
  route& add(http::method m, std::string pattern, http::handler h);
  route& get(std::string pattern, http::handler h) { return add(method::get, std::move(pattern), std::move(h)); }
  route& post(std::string pattern, http::handler h) { return add(method::post, std::move(pattern), std::move(h)); }
  route& put(std::string pattern, http::handler h) { return add(method::put, std::move(pattern), std::move(h)); }
  route& patch(std::string pattern, http::handler h) { return add(method::patch, std::move(pattern), std::move(h)); }
  route& del(std::string pattern, http::handler h) { return add(method::delete_, std::move(pattern), std::move(h)); }
  // The same for asynchronous handlers (async_handler above).
  route& add_async(http::method m, std::string pattern, http::async_handler h);
  route& get_async(std::string pattern, http::async_handler h) { return add_async(method::get, std::move(pattern), std::move(h)); }
  route& post_async(std::string pattern, http::async_handler h) { return add_async(method::post, std::move(pattern), std::move(h)); }

  // Guards every route added so far for which `which` is true (a whole path prefix, say: see under());
  // returns how many. Routes added later are not affected, so call it once the routes are in.
  std::size_t guard_routes(const std::function<bool(const route&)>& which, const http::guard& g);
  // Guards the server's built-in endpoints (probes, /metrics, /debug/...). The request such a guard
  // sees has no route: route() is empty, and param(), get() and optional() throw.
  router& guard_builtins(http::guard g);
  const std::vector<http::guard>& builtin_guards() const noexcept;

  // Reading (the server's side); safe from any number of threads once nothing is added any more.
  struct match_result {
    const route* found = nullptr;
    // With `found` null: the methods the path does answer (405 with Allow), or none at all (404).
    std::vector<http::method> allowed;
  };
  // `segments` are the request path's segments, percent-decoded ("/a/b%20c" gives {"a", "b c"}).
  match_result match(http::method m, const std::vector<std::string>& segments) const;
  // Every method some route answers for this path (GET implies HEAD); empty when no route has the path.
  std::vector<http::method> allowed(const std::vector<std::string>& segments) const;
  std::size_t size() const noexcept;
  const route& at(std::size_t index) const;
  // Every component any route names, each once, in the order first named.
  std::vector<std::string> dependencies() const;

 private:
  route& add_route(http::method m, std::string pattern, http::handler h, http::async_handler a);
  struct impl;
  std::unique_ptr<impl> impl_;
};

// For guard_routes: the routes whose pattern starts with `prefix` ("/api/"), optionally of one method.
std::function<bool(const route&)> under(std::string prefix, std::optional<http::method> only = std::nullopt);

// The path segments of a pattern or of a decoded path: "/" gives {}, "/a/b/" gives {"a", "b", ""}.
std::vector<std::string> split_path(std::string_view path);

}  // namespace lifespan::http
