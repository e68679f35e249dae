#pragma once
// From a parsed request to a response: target decoding, built-in endpoints, routing (404, 405 with
// Allow), the route's guards and component check (503 with Retry-After), all on the connection's I/O
// thread; what is left is a `call` of the route's handler, which execute.hpp runs where the route says
// and run_handler() turns into a response (exceptions become JSON errors). Never throws.
#include <memory>
#include <optional>
#include <stop_token>

#include "exchange.hpp"
#include "lifespan/http/responder.hpp"
#include "state.hpp"

namespace lifespan::http::detail {

// A request on its way to (or in) its route's handler. It owns the message and the exchange that the
// handler's `request` view reads, so that a handler on a handler thread, or one still running after its
// deadline once the connection has moved on, reads nothing the connection has let go of. Shared by the
// connection and the job running the handler. `stop` is the request's own: the connection requests it
// at the request's deadline (and at the drain deadline); `forward` requests it whenever the server's
// `cancel` is (drain deadline, stop()).
struct call {
  explicit call(beast_request m) : message(std::move(m)) {}
  struct forward_stop {
    std::stop_source to;
    void operator()() noexcept { to.request_stop(); }
  };
  beast_request message;
  exchange x;
  const http::route* route = nullptr;
  duration timeout{};  // the route's, else the server's request_timeout
  std::stop_source stop;
  std::optional<std::stop_callback<forward_stop>> forward;
};

struct routed {
  std::optional<http::response> answer;  // answered on the I/O thread: built-ins, errors, refusals
  std::shared_ptr<call> pending;         // otherwise: the handler still to run
};

// `slot` is set to the request_metrics slot the request counts against. `screened`: screen() already
// ran the guards for this request, which are not run again.
routed dispatch(server_state& s, beast_request message, std::size_t& slot, bool screened = false) noexcept;

// Calls the handler of `c`; its exceptions become responses (http::error as itself, component_unavailable
// 503, anything else 500, logged). Any thread; never throws.
http::response run_handler(server_state& s, call& c) noexcept;

// Starts the asynchronous handler of `c` (an execution::async route), which answers through `answer`;
// an exception it throws before that is answered as run_handler() would. Any thread; never throws.
void start_async_handler(server_state& s, call& c, const http::responder& answer) noexcept;

// `r` with Retry-After (the server's retry_after) when it is a 503 that has none.
http::response with_retry_after(const server_state& s, http::response r);

// For a request whose header is in and whose body is still to come: the answer of the first guard of
// its route (or of the built-ins) that refuses it, so that a refused client's body is never read; nullopt
// when the guards let it through, or when it has no route (dispatch answers that, body and all). The
// request's body() is empty while the guards run.
std::optional<http::response> screen(server_state& s, const beast_request& req, std::size_t& slot) noexcept;

// The response for a route whose required component is not usable.
http::response unavailable(const server_state& s, const bound_dependency& d);

}  // namespace lifespan::http::detail
