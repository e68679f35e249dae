#pragma once
// What one call through the pooled HTTP client carries in and gets back (see client.hpp).
//
// Both are plain values: a request is copied into the client at submit() and never referenced again;
// a response is moved into the callback, which owns it.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lifespan::http_client {

using duration = std::chrono::steady_clock::duration;
using header_list = std::vector<std::pair<std::string, std::string>>;

struct request {
  std::string method = "GET";  // any token: GET, POST, PUT, PATCH, DELETE, HEAD ...
  std::string url;             // http:// or https://; user:password@ is allowed and never logged
  header_list headers;         // sent as given; the client adds User-Agent unless one is given here.
                               // Names (and the method) must be HTTP tokens and values free of CR, LF
                               // and NUL, or submit() refuses the request (invalid): no header injection.
  std::string body;            // sent as is (with Content-Length) when not empty, or for POST/PUT/PATCH

  // Per-request overrides of the client's options; nullopt takes the client's value.
  std::optional<duration> connect_timeout;  // TCP (and TLS) connect, per attempt
  std::optional<duration> timeout;          // the whole attempt, connect included
  std::optional<int> max_attempts;          // 1 turns retries off for this request

  // A POST of `body` with its Content-Type, the shape of a webhook call.
  static request post(std::string url, std::string body, std::string content_type = "application/json");
  static request get(std::string url);
};

// How a submitted request ended. Every accepted request ends exactly once with one of these.
enum class outcome {
  ok,        // a 2xx response
  http_error,// a final non-2xx response (4xx not retried, or 5xx/408/429 after the last attempt)
  transport, // no response: connect failure, timeout, reset, malformed URL ... (after the last attempt)
  stopping,  // the client stopped before this request could finish
  rejected,  // never accepted (only the future-returning fetch() reports this; submit() returns it)
};

std::string_view to_string(outcome o) noexcept;

struct response {
  enum outcome outcome = outcome::transport;
  long status = 0;          // HTTP status of the last attempt; 0 when none arrived
  std::string body;         // body of the last attempt (bounded by max_response_bytes)
  header_list headers;      // headers of the last attempt, names lower-cased, in arrival order
  int attempts = 0;         // attempts made (0 when rejected, or stopped before the first)
  duration elapsed{};       // from submit() to the callback
  // Empty for ok; otherwise one line naming the method, the URL without credentials or query, the
  // cause and the attempts: "POST http://hooks.local:8080/alert: HTTP 503 after 3 attempts".
  std::string error;

  bool ok() const noexcept { return outcome == outcome::ok; }
  // The first header named `name` (case-insensitive), or nullopt.
  std::optional<std::string_view> header(std::string_view name) const;
};

}  // namespace lifespan::http_client
