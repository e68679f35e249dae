#pragma once
// Requests and responses as route handlers see them.
//
// Threading and lifetimes: a handler runs on one of the server's handler threads (or, for a route
// marked run_inline(), on an I/O thread: router.hpp). The `request` it gets is a view of the request
// being handled, which the server keeps alive until the handler returns, even past the request's
// deadline: valid only during the handler call, and not to be shared with other threads. The `response`
// it returns is a plain value the server then writes on the connection's own I/O strand.
//
// Boost.Beast stays behind this header: applications include no Boost to write handlers.
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "lifespan/core/detail/slot.hpp"

namespace lifespan::http {

enum class method : std::uint8_t { get, head, post, put, patch, delete_, options };
std::string_view to_string(method m) noexcept;  // "GET", "DELETE", ...

// The status codes the server itself produces have names; any other code is static_cast<status>(418).
enum class status : std::uint16_t {
  ok = 200, created = 201, accepted = 202, no_content = 204,
  bad_request = 400, unauthorized = 401, forbidden = 403, not_found = 404, method_not_allowed = 405,
  request_timeout = 408, conflict = 409, payload_too_large = 413, unprocessable_entity = 422,
  too_many_requests = 429, request_header_fields_too_large = 431,
  internal_server_error = 500, not_implemented = 501, service_unavailable = 503, gateway_timeout = 504,
};

class event_stream;  // event_stream.hpp

struct header {
  std::string name;
  std::string value;
};

// What a handler returns. Content-Length and Connection are the server's business; anything else in
// `headers` is sent as given.
struct response {
  http::status status = http::status::ok;
  std::string content_type;  // empty: no Content-Type header (and then, usually, an empty body)
  std::string body;
  std::vector<header> headers;
  // Set by events(): the body is that stream (text/event-stream), written as it comes; `body` is unused.
  std::shared_ptr<event_stream> stream;

  static response json(const nlohmann::json& body, http::status s = http::status::ok);
  static response text(std::string body, http::status s = http::status::ok,
                       std::string content_type = "text/plain; charset=utf-8");
  // A server-sent event stream (see event_stream.hpp): status 200, `Cache-Control: no-cache`, open
  // until the stream ends; the connection is not reused afterwards.
  static response events(std::shared_ptr<event_stream> stream);
  // Every error the server produces has this shape: {"error": "<what>", "reason": "<why, for a person>"}.
  static response error(http::status s, std::string_view error, std::string_view reason);

  response& set(std::string name, std::string value) {
    headers.push_back({std::move(name), std::move(value)});
    return *this;
  }
};

// Thrown from a handler (or by request helpers such as json()) to answer with response::error(...).
// Any other exception becomes a 500 whose reason does not reveal the exception's message (it is logged).
class error : public std::runtime_error {
 public:
  error(http::status s, std::string error, std::string reason)
      : std::runtime_error(reason), status_(s), error_(std::move(error)) {}
  http::status status() const noexcept { return status_; }
  const std::string& error_name() const noexcept { return error_; }  // what() is the reason
  http::response to_response() const { return response::error(status_, error_, what()); }

 private:
  http::status status_;
  std::string error_;
};

// Thrown by a handler whose upstream (a database, another service) did not answer in time: 504 with
// {"error": "upstream timeout", "reason": ...}, counted in lifespan_http_requests_rejected_total{reason="timeout"}.
inline error upstream_timeout(std::string reason) {
  return error(status::gateway_timeout, "upstream timeout", std::move(reason));
}

namespace detail {
struct exchange;  // the connection's state for the request being handled (src/http)
}

// The request being handled: a view, valid during the handler call only (see the top of this file).
class request {
 public:
  explicit request(const detail::exchange& x) noexcept : x_(&x) {}

  http::method method() const noexcept;
  std::string_view target() const noexcept;  // as sent: "/api/alerts/7?full=1"
  std::string_view path() const noexcept;    // as sent, still percent-encoded: "/api/alerts/7"
  std::string_view route() const noexcept;   // the matched pattern: "/api/alerts/{id}"

  // A path parameter of the matched pattern, percent-decoded. Throws std::out_of_range for a name the
  // pattern does not have (a programming error, answered with 500).
  const std::string& param(std::string_view name) const;
  // A query parameter, percent-decoded; nullopt when absent ("?flag" gives an empty string).
  std::optional<std::string> query(std::string_view name) const;
  // A header field (case-insensitive name); nullopt when absent.
  std::optional<std::string_view> header(std::string_view name) const;
  const std::string& body() const noexcept;
  // The body parsed as JSON. Throws http::error 400 (with the parser's reason, cut short) when it is
  // not JSON, holds a number out of range (1e999), or nests deeper than the server's max_json_depth.
  nlohmann::json json() const;

  // Signalled when the server gives up on this request: at its deadline (the route's timeout(), else
  // the server's request_timeout), at the drain deadline, and at stop(). The client has then been (or
  // is being) answered 503; what the handler returns afterwards is discarded. A handler that waits
  // should wait on it (std::condition_variable_any takes it), or poll it. A handler whose own outbound
  // call timed out throws upstream_timeout (below): 504, counted like a deadline.
  std::stop_token stop_token() const noexcept;

  // A component the route declared with needs<T>(name): the route's check already found it usable, so
  // this is not null in practice; if it stopped being usable since, an http::error 503 is thrown.
  template <class T>
  T& get(std::string_view component) const {
    return *static_cast<T*>(dependency(lifespan::detail::type_key_of<T>(), component, true));
  }
  // A component the route declared with optional<T>(name): null while it is not usable.
  template <class T>
  T* optional(std::string_view component) const {
    return static_cast<T*>(dependency(lifespan::detail::type_key_of<T>(), component, false));
  }

 private:
  void* dependency(const void* type, std::string_view component, bool required) const;
  const detail::exchange* x_;
};

}  // namespace lifespan::http
