#pragma once
// The built-in endpoints: /livez (/health), /readyz (/ready), /startupz and /health/detailed. They read
// the service's atomics and status copies and the I/O pool's heartbeat; they never call a component,
// so they stay safe and fast while components start, fail or are torn down.
#include <optional>
#include <string_view>

#include <boost/url/url_view.hpp>

#include "lifespan/http/message.hpp"
#include "state.hpp"

namespace lifespan::http::detail {

// The paths the built-in endpoints answer, for checking that no application route shadows them; the
// index of one is its request_metrics builtin slot.
const std::vector<std::string_view>& builtin_paths() noexcept;
// The index of `path` in builtin_paths(), if it is one of them (exact match).
std::optional<std::size_t> builtin_index(std::string_view path) noexcept;

// The answer for a built-in path (GET or HEAD; the caller checks the method).
http::response answer_builtin(server_state& s, std::size_t index, const boost::urls::url_view& url);

http::response liveness(server_state& s);
http::response readiness(server_state& s);
http::response startup(server_state& s);
http::response detailed_health(server_state& s);
// introspection.cpp
http::response metrics_text(server_state& s);
http::response debug_startup(server_state& s);
http::response debug_startup_svg(server_state& s);
http::response debug_graph(server_state& s, const boost::urls::url_view& url);

}  // namespace lifespan::http::detail
