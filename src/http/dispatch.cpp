#include "dispatch.hpp"

#include <algorithm>
#include <optional>

#include <boost/beast/core/string.hpp>
#include <boost/url/parse.hpp>
#include <fmt/format.h>

#include "json_body.hpp"
#include "probes.hpp"

namespace lifespan::http::detail {
namespace {

std::optional<http::method> method_of(bhttp::verb v) noexcept {
  switch (v) {
    case bhttp::verb::get: return method::get;
    case bhttp::verb::head: return method::head;
    case bhttp::verb::post: return method::post;
    case bhttp::verb::put: return method::put;
    case bhttp::verb::patch: return method::patch;
    case bhttp::verb::delete_: return method::delete_;
    case bhttp::verb::options: return method::options;
    default: return std::nullopt;
  }
}

std::string_view std_view(boost::core::string_view s) noexcept { return {s.data(), s.size()}; }

// The answer when answering costs what is not there (an allocation failed): a literal, nothing built.
http::response out_of_resources() {
  return {status::internal_server_error, "application/json", R"({"error":"internal error","reason":"out of resources"})", {}};
}

http::response not_found(const beast_request& req, std::string_view path) {
  return response::error(status::not_found, "not found", fmt::format("no route for {} {}", std_view(req.method_string()), path));
}

http::response not_allowed(const beast_request& req, std::string_view path, const std::vector<http::method>& allowed) {
  std::string list;
  for (auto m : allowed) list += (list.empty() ? "" : ", ") + std::string(to_string(m));
  auto r = response::error(status::method_not_allowed, "method not allowed",
                           fmt::format("{} does not answer {}; allowed: {}", path, std_view(req.method_string()), list));
  r.set("Allow", std::move(list));
  return r;
}

// Inside a catch block: the answer to the exception a handler threw. http::error as itself,
// component_unavailable 503 (up, but cannot serve now: a database outage, say), anything else 500, logged.
http::response exception_response(server_state& s, const exchange& x) {
  try {
    throw;
  } catch (const http::error& e) {
    return e.to_response();
  } catch (const component_unavailable& e) {
    return json_response({{"error", "unavailable"}, {"reason", e.what()}, {"component", e.component()}},
                         status::service_unavailable);
  } catch (const std::exception& e) {
    s.log->error("{}: {} {} failed: {}", s.name, to_string(x.method), x.route->decl->pattern(), e.what());
  } catch (...) {
    s.log->error("{}: {} {} failed with a non-standard exception", s.name, to_string(x.method), x.route->decl->pattern());
  }
  return response::error(status::internal_server_error, "internal error",
                         fmt::format("the handler of {} {} failed; the server's log has the details", to_string(x.method),
                                     x.route->decl->pattern()));
}

http::response call_handler(server_state& s, const http::handler& handler, exchange& x) {
  request r(x);
  try {
    return with_retry_after(s, handler(r));
  } catch (...) {
    return with_retry_after(s, exception_response(s, x));
  }
}

// The route's (or the built-ins') guards in order; the first refusal is the answer.
std::optional<http::response> refused(server_state& s, const std::vector<http::guard>& guards, exchange& x) {
  if (guards.empty()) return std::nullopt;
  request r(x);
  try {
    for (const auto& g : guards)
      if (auto answer = g(r)) return answer;
    return std::nullopt;
  } catch (const std::exception& e) {
    s.log->error("{}: a guard of {} failed: {}", s.name, std_view(x.url.encoded_path()), e.what());
  }
  return response::error(status::internal_server_error, "internal error", "a request check failed; the server's log has the details");
}

}  // namespace

http::response unavailable(const server_state& s, const bound_dependency& d) {
  const auto state = d.watch.state();
  auto r = json_response({{"error", "unavailable"},
                           {"reason", fmt::format("component '{}' is {}", d.watch.name(), to_string(state))},
                           {"component", d.watch.name()},
                           {"state", to_string(state)}},
                          status::service_unavailable);
  r.set("Retry-After", s.retry_after);
  return r;
}

namespace {

// Where a request goes: fills `x` (target, method, route) and `to`, or answers it itself (a malformed
// target 400, an unknown path 404, another method 405).
struct destination {
  std::optional<std::size_t> builtin;
  const http::route* route = nullptr;
  const std::vector<http::guard>& guards(const server_state& s) const {
    return builtin ? s.routes->builtin_guards() : route->guards();
  }
};

std::optional<http::response> locate(server_state& s, const beast_request& req, std::size_t& slot, exchange& x,
                                     destination& to) {
  x.raw = &req;
  x.max_json_depth = static_cast<std::size_t>(s.options.max_json_depth);
  const auto target = std_view(req.target());
  auto parsed = boost::urls::parse_origin_form(boost::core::string_view(target.data(), target.size()));
  if (!parsed) {  // absolute-form ("http://host/path") is legal too, if rare outside proxies
    auto absolute = boost::urls::parse_absolute_uri(boost::core::string_view(target.data(), target.size()));
    if (!absolute)
      return response::error(status::bad_request, "bad request", fmt::format("malformed request target: {}", parsed.error().message()));
    parsed = absolute;
  }
  x.url = *parsed;
  const auto path = std_view(x.url.encoded_path());
  const auto m = method_of(req.method());
  if ((to.builtin = builtin_index(path))) {
    if (m != method::get && m != method::head) return not_allowed(req, path, {method::get, method::head});
    slot = s.metrics->builtin_slot(*to.builtin);
    x.method = *m;
    return std::nullopt;
  }
  for (auto segment : x.url.segments()) x.segments.push_back(std::move(segment));
  if (!m) {
    const auto allowed = s.routes->allowed(x.segments);
    return allowed.empty() ? not_found(req, path) : not_allowed(req, path, allowed);
  }
  const auto match = s.routes->match(*m, x.segments);
  if (!match.found) return match.allowed.empty() ? not_found(req, path) : not_allowed(req, path, match.allowed);
  x.method = *m;
  to.route = match.found;
  x.route = &s.bound[match.found->index()];
  slot = s.metrics->route_slot(match.found->index());
  return std::nullopt;
}

}  // namespace

routed dispatch(server_state& s, beast_request message, std::size_t& slot, bool screened) noexcept {
  slot = s.metrics->unmatched_slot();
  try {
    auto c = std::make_shared<call>(std::move(message));
    exchange& x = c->x;
    destination to;
    if (auto answer = locate(s, c->message, slot, x, to)) return {std::move(*answer), nullptr};
    if (!screened)
      if (auto refusal = refused(s, to.guards(s), x)) return {std::move(*refusal), nullptr};
    if (to.builtin) return {answer_builtin(s, *to.builtin, x.url), nullptr};
    for (const auto& d : x.route->dependencies)
      if (d.required && !d.watch.usable()) return {unavailable(s, d), nullptr};
    c->route = to.route;
    c->timeout = to.route->timeout().value_or(s.options.request_timeout);
    x.stop = c->stop.get_token();
    c->forward.emplace(s.cancel.get_token(), call::forward_stop{c->stop});
    return {std::nullopt, std::move(c)};
  } catch (...) {  // allocation failure, most likely: answer without allocating much more
    return {out_of_resources(), nullptr};
  }
}

http::response with_retry_after(const server_state& s, http::response r) {
  if (r.status != status::service_unavailable) return r;
  const auto named = [](const header& h) { return boost::beast::iequals(h.name, "Retry-After"); };
  if (std::none_of(r.headers.begin(), r.headers.end(), named)) r.set("Retry-After", s.retry_after);
  return r;
}

void start_async_handler(server_state& s, call& c, const http::responder& answer) noexcept {
  try {
    request r(c.x);
    try {
      c.route->async_handler()(r, answer);
    } catch (...) {
      answer.send(exception_response(s, c.x));
    }
  } catch (...) {
    answer.send(out_of_resources());
  }
}

http::response run_handler(server_state& s, call& c) noexcept {
  try {
    return call_handler(s, c.route->handler(), c.x);
  } catch (...) {
    return out_of_resources();
  }
}

std::optional<http::response> screen(server_state& s, const beast_request& req, std::size_t& slot) noexcept {
  slot = s.metrics->unmatched_slot();
  try {
    exchange x;
    destination to;
    if (locate(s, req, slot, x, to)) return std::nullopt;  // unroutable: dispatch answers, once the body is in
    return refused(s, to.guards(s), x);
  } catch (...) {
    return out_of_resources();
  }
}

}  // namespace lifespan::http::detail
