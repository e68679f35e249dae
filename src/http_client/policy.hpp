#pragma once
// The client's pure decisions, kept apart from curl's plumbing so they can be tested directly:
// which results are worth another attempt, how long to wait before it, whether the retry budget has
// room, and how a URL is shown in messages (never with its credentials or query).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <curl/curl.h>

#include "lifespan/http_client/request.hpp"

namespace lifespan::http_client::detail {

using duration = std::chrono::steady_clock::duration;

// Transport errors that another attempt may cure (connect refused, reset, timeout, DNS, empty reply).
// Malformed URLs, unsupported protocols, TLS verification failures and our own aborts are final.
bool retryable(CURLcode code) noexcept;
// 5xx, 408 Request Timeout and 429 Too Many Requests; every other status is final.
bool retryable_status(long status) noexcept;

// The wait before attempt `next_attempt` (2, 3, ...): initial * 2^(next_attempt - 2) capped at `max`,
// then half fixed and half random (`unit` in [0, 1) is the random draw). A Retry-After of the server
// (zero: none) is honoured up to `retry_after_max`: the wait is never shorter than it.
duration backoff(int next_attempt, duration initial, duration max, double unit, duration retry_after,
                 duration retry_after_max) noexcept;

// Envoy's retry budget: may one more request start retrying while `retrying` already are, out of
// `held` requests in the client?
bool budget_allows(std::size_t retrying, std::size_t held, double percent, int minimum) noexcept;

// A URL as messages show it: scheme://host[:port]/path, without user, password, query or fragment.
// nullopt when curl cannot parse it or the scheme is not http or https (then `why` says what is wrong).
std::optional<std::string> display_url(const std::string& url, std::string& why);

// What makes the method or a header unsendable (a character outside an HTTP token in the method or a
// header name, CR/LF/NUL in a value: header injection); empty when the request is fine.
std::string header_problem(const request& r);

// "1.5s", "250ms": durations as messages show them.
std::string describe(duration d);

}  // namespace lifespan::http_client::detail
