#pragma once
// The built-in endpoints: /livez (/health), /readyz (/ready), /startupz and /health/detailed. They read
// the service's atomics and status copies and the I/O loops' heartbeat; they never call a component,
// so they stay safe and fast while components start, fail or are torn down.
#include <optional>
#include <string_view>

#include "lifespan/http/message.hpp"
#include "state.hpp"

namespace lifespan::http::detail {

// True for the exact paths the built-in endpoints answer.
bool is_builtin_path(std::string_view path) noexcept;
// The paths themselves, for checking that no application route shadows them.
const std::vector<std::string_view>& builtin_paths() noexcept;

// The answer for a built-in path (GET or HEAD; the caller checks the method).
http::response answer_builtin(server_state& s, std::string_view path);

http::response liveness(server_state& s);
http::response readiness(server_state& s);
http::response startup(server_state& s);
http::response detailed_health(server_state& s);

}  // namespace lifespan::http::detail
