#pragma once
// From a parsed request to a response: target decoding, built-in endpoints, routing (404, 405 with
// Allow), the route's component check (503 with Retry-After), then the handler, whose exceptions become
// JSON errors. Runs on the connection's I/O thread; never throws.
#include "exchange.hpp"
#include "state.hpp"

namespace lifespan::http::detail {

// `slot` is set to the request_metrics slot the request counts against.
http::response dispatch(server_state& s, const beast_request& req, std::size_t& slot) noexcept;

// The response for a route whose required component is not usable.
http::response unavailable(const server_state& s, const bound_dependency& d);

}  // namespace lifespan::http::detail
