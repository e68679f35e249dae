#pragma once
// From a parsed request to a response: target decoding, built-in endpoints, routing (404, 405 with
// Allow), the route's component check (503 with Retry-After), then the handler, whose exceptions become
// JSON errors. Runs on the connection's I/O thread; never throws.
#include <optional>

#include "exchange.hpp"
#include "state.hpp"

namespace lifespan::http::detail {

// `slot` is set to the request_metrics slot the request counts against. `screened`: screen() already
// ran the guards for this request, which are not run again.
http::response dispatch(server_state& s, const beast_request& req, std::size_t& slot, bool screened = false) noexcept;

// For a request whose header is in and whose body is still to come: the answer of the first guard of
// its route (or of the built-ins) that refuses it, so that a refused client's body is never read; nullopt
// when the guards let it through, or when it has no route (dispatch answers that, body and all). The
// request's body() is empty while the guards run.
std::optional<http::response> screen(server_state& s, const beast_request& req, std::size_t& slot) noexcept;

// The response for a route whose required component is not usable.
http::response unavailable(const server_state& s, const bound_dependency& d);

}  // namespace lifespan::http::detail
