#pragma once
// Asynchronous handlers: for a route whose work waits on I/O (an outbound call through the http_client
// component, a query another thread runs) without holding a thread while it waits.
//
//   routes.get_async("/quote", [&quotes](http::request& req, http::responder answer) {
//     quotes.submit(http_client::request::get(url), [answer](http_client::response r) {
//       answer.send(r.ok() ? http::response::json(...) : http::response::error(...));
//     });
//   }).needs<http_client::client>("http_client");
//
// The handler runs on the I/O thread that read the request: it must only start the work and return.
// The `request` it gets is valid during that call only, so copy what the completion needs. The answer
// goes through `responder`, a copyable handle to the request's one response: send() may be called from
// any thread. The first send() wins; a later one, or one after the request's deadline or the drain
// deadline (the client was answered 503 then), is discarded and returns false. A handler that throws
// before it answers is answered as a synchronous handler's exception would be (http::error as itself,
// anything else 500).
//
// When the last copy of a responder goes away unanswered, the client gets 500 and the server logs it
// (unless stop_token() had fired: a handler that gives up on a cancelled request may just drop it).
//
// Lifetimes: a responder may outlive its request, its connection and the server (a callback that runs
// late): its send() then does nothing. It holds nothing of the connection's but the pending answer.
#include <memory>
#include <stop_token>

#include "lifespan/http/message.hpp"

namespace lifespan::http {

namespace detail {
struct responder_state;  // src/http/async_gate.hpp
}

class responder {
 public:
  explicit responder(std::shared_ptr<detail::responder_state> state) noexcept : state_(std::move(state)) {}

  // Answers the request with `r`; false when it was answered already (by send(), its deadline, the
  // drain deadline) or the server has stopped. Any thread.
  bool send(response r) const;
  // Fires at the request's deadline, at the drain deadline and at the server's stop: stop waiting.
  std::stop_token stop_token() const noexcept;
  bool answered() const noexcept;

 private:
  std::shared_ptr<detail::responder_state> state_;
};

}  // namespace lifespan::http
