// Responses, errors and the request view handlers see.
#include "lifespan/http/message.hpp"

#include <stdexcept>

#include <fmt/format.h>

#include "exchange.hpp"
#include "json_body.hpp"
#include "lifespan/util/json_depth.hpp"

namespace lifespan::http {
namespace {

std::string_view std_view(boost::core::string_view s) noexcept { return {s.data(), s.size()}; }

// A parser's message quotes the token it stopped at, which can be the whole body (a number of a
// million digits): enough of it to see what went wrong.
std::string excerpt(std::string_view text) {
  constexpr std::size_t most = 160;
  if (text.size() <= most) return std::string(text);
  return fmt::format("{}... ({} bytes more)", text.substr(0, most), text.size() - most);
}

}  // namespace

std::string_view to_string(method m) noexcept {
  switch (m) {
    case method::get: return "GET";
    case method::head: return "HEAD";
    case method::post: return "POST";
    case method::put: return "PUT";
    case method::patch: return "PATCH";
    case method::delete_: return "DELETE";
    case method::options: return "OPTIONS";
  }
  return "?";
}

response response::json(const nlohmann::json& body, http::status s) {
  // Invalid UTF-8 (a reason quoting a client's bytes, say) is replaced, never thrown about.
  return {s, "application/json", body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), {}};
}

response response::text(std::string body, http::status s, std::string content_type) {
  return {s, std::move(content_type), std::move(body), {}};
}

response response::events(std::shared_ptr<event_stream> stream) {
  response r{status::ok, "text/event-stream", {}, {}};
  r.stream = std::move(stream);
  return r;
}

response response::error(http::status s, std::string_view error, std::string_view reason) {
  return detail::json_response({{"error", error}, {"reason", reason}}, s);
}

http::method request::method() const noexcept { return x_->method; }

std::string_view request::target() const noexcept { return std_view(x_->raw->target()); }

std::string_view request::path() const noexcept {
  const auto p = x_->url.encoded_path();
  return {p.data(), p.size()};
}

std::string_view request::route() const noexcept {
  return x_->route ? std::string_view(x_->route->decl->pattern()) : std::string_view{};  // no route: a built-in
}

const std::string& request::param(std::string_view name) const {
  if (!x_->route) throw std::out_of_range(fmt::format("a built-in endpoint has no parameter '{}'", name));
  for (const auto& [parameter, index] : x_->route->decl->parameters())
    if (parameter == name) return x_->segments.at(index);
  throw std::out_of_range(fmt::format("route {} has no parameter '{}'", x_->route->decl->pattern(), name));
}

// Compared decoded, as iterating gives them: Boost 1.81's params().find() does not decode '+' in the
// key it compares with, so "?a+b=1" was listed with key "a b" yet not found by it (found by fuzzing).
std::optional<std::string> request::query(std::string_view name) const {
  for (const auto p : x_->url.params())
    if (p.key == name) return p.has_value ? p.value : std::string{};
  return std::nullopt;
}

std::optional<std::string_view> request::header(std::string_view name) const {
  const auto it = x_->raw->find(boost::core::string_view(name.data(), name.size()));
  if (it == x_->raw->end()) return std::nullopt;
  return std_view(it->value());
}

const std::string& request::body() const noexcept { return x_->raw->body(); }

// The depth is checked before parsing (see json_depth.hpp: deep values crash whatever recurses over
// them later). Every nlohmann exception is the client's doing (syntax, a number out of range, ...) and
// is answered 400; its message can quote the whole offending token, so it is cut short.
nlohmann::json request::json() const {
  const auto& body = x_->raw->body();
  const auto limit = x_->max_json_depth;
  if (const auto depth = json_depth(body, limit); depth > limit)
    throw http::error(status::bad_request, "bad request",
                      fmt::format("the body's JSON nests deeper than max_json_depth ({} levels); flatten it", limit));
  try {
    return nlohmann::json::parse(body);
  } catch (const nlohmann::json::exception& e) {
    throw http::error(status::bad_request, "bad request", fmt::format("the body is not valid JSON: {}", excerpt(e.what())));
  }
}

std::stop_token request::stop_token() const noexcept { return x_->stop; }

void* request::dependency(const void* type, std::string_view component, bool required) const {
  if (!x_->route) throw std::logic_error(fmt::format("a built-in endpoint declares no component ('{}')", component));
  const auto& route = *x_->route;
  for (const auto& d : route.dependencies) {
    if (d.watch.name() != component) continue;
    if (d.type != type || !d.get)
      throw std::logic_error(fmt::format("route {}: component '{}' was not declared with the type asked for; declare it "
                                         "with .needs<T>(\"{}\") or .optional<T>(\"{}\")",
                                         route.decl->pattern(), component, component, component));
    if (required != d.required)
      throw std::logic_error(fmt::format("route {}: component '{}' is declared {}; use req.{}<T>(\"{}\")", route.decl->pattern(),
                                         component, d.required ? "with needs<T>" : "with optional<T>",
                                         d.required ? "get" : "optional", component));
    void* instance = d.get();
    if (instance == nullptr && required)
      throw http::error(status::service_unavailable, "unavailable",
                        fmt::format("component '{}' is {}", component, to_string(d.watch.state())));
    return instance;
  }
  throw std::logic_error(fmt::format("route {} does not declare component '{}'; add .needs<T>(\"{}\") to the route",
                                     route.decl->pattern(), component, component));
}

}  // namespace lifespan::http
