#include "request_limits.hpp"

#include <string_view>
#include <vector>

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <fmt/format.h>

#include "lifespan/config/duration.hpp"

namespace lifespan::http::detail {
namespace {

constexpr std::size_t read_slack = 4096;  // one read's worth beyond max_header_bytes (connection.cpp reads 4 KiB)

std::string_view std_view(boost::core::string_view s) noexcept { return {s.data(), s.size()}; }

bool is_tchar(char c) noexcept {  // RFC 9110 section 5.6.2
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

struct coding {
  std::string_view name;
  bool has_parameters = false;
};

// The codings of every Transfer-Encoding field, in order; empty list elements are skipped as RFC 9110
// section 5.6.1 asks. nullopt when an element's name is not a token.
std::optional<std::vector<coding>> codings_of(const beast_request& req) {
  std::vector<coding> out;
  const auto [first, last] = req.equal_range(bhttp::field::transfer_encoding);
  for (auto field = first; field != last; ++field) {
    std::string_view rest = std_view(field->value());
    while (true) {
      const auto comma = rest.find(',');
      const auto element = trim(rest.substr(0, comma));
      if (!element.empty()) {
        const auto semicolon = element.find(';');
        const auto name = trim(element.substr(0, semicolon));
        if (name.empty()) return std::nullopt;
        for (const char c : name)
          if (!is_tchar(c)) return std::nullopt;
        out.push_back({name, semicolon != std::string_view::npos});
      }
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return out;
}

}  // namespace

std::optional<http::response> check_framing(const beast_request& req) {
  if (req.find(bhttp::field::transfer_encoding) == req.end()) return std::nullopt;  // Beast checked Content-Length
  const auto bad = [](std::string_view reason) { return response::error(status::bad_request, "bad request", reason); };
  if (req.version() < 11)
    return bad("Transfer-Encoding in an HTTP/1.0 request, whose framing cannot be trusted (RFC 9112 section 6.1); "
               "send Content-Length instead");
  if (req.find(bhttp::field::content_length) != req.end())
    return bad("both Content-Length and Transfer-Encoding: the body's length is ambiguous (RFC 9112 section 6.3); send one of them");
  const auto codings = codings_of(req);
  if (!codings || codings->empty())
    return bad("malformed Transfer-Encoding: a list of transfer codings ending in chunked is expected");
  std::size_t chunked = 0;
  for (const auto& c : *codings) chunked += boost::beast::iequals(c.name, "chunked") ? 1 : 0;
  const auto& last = codings->back();
  if (chunked != 1 || !boost::beast::iequals(last.name, "chunked") || last.has_parameters)
    return bad("Transfer-Encoding must end with chunked, once and without parameters, or the body's length cannot be "
               "determined (RFC 9112 section 6.3)");
  if (codings->size() > 1)
    return response::error(status::not_implemented, "not implemented",
                  fmt::format("transfer coding '{}' is not supported (RFC 9112 section 6.1); send the body with "
                              "Transfer-Encoding: chunked alone, or with Content-Length",
                              codings->front().name.substr(0, 64)));
  return std::nullopt;
}

std::size_t head_bytes(const beast_request& req) {
  std::size_t n = req.method_string().size() + 1 + req.target().size() + std::string_view(" HTTP/1.1\r\n").size() + 2;
  for (const auto& f : req) n += f.name_string().size() + 2 + f.value().size() + 2;
  return n;
}

std::size_t read_buffer_limit(const server::options& o) noexcept {
  return static_cast<std::size_t>(o.max_header_bytes) + read_slack;
}

std::optional<http::response> read_error_response(const server::options& o, boost::system::error_code ec, bool in_header,
                                                  bool timed_out) {
  if (timed_out)
    return response::error(status::request_timeout, "request timeout",
                  fmt::format("the request {} was not complete within {} ({})", in_header ? "header" : "body",
                              in_header ? "header_timeout" : "body_timeout",
                              config::format_duration(in_header ? o.header_timeout : o.body_timeout)));
  if (ec == bhttp::error::header_limit || ec == bhttp::error::buffer_overflow)
    return response::error(status::request_header_fields_too_large, "header too large",
                  in_header ? fmt::format("the request header exceeds max_header_bytes ({} bytes)", o.max_header_bytes)
                            : fmt::format("the request's header, chunk extensions and trailer together exceed "
                                          "max_header_bytes ({} bytes)",
                                          o.max_header_bytes));
  if (ec == bhttp::error::body_limit)
    return response::error(status::payload_too_large, "body too large",
                  fmt::format("the request body exceeds max_body_bytes ({} bytes)", o.max_body_bytes));
  const bool http_error = ec.category() == bhttp::make_error_code(bhttp::error::end_of_stream).category();
  if (!http_error || ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message) return std::nullopt;
  return response::error(status::bad_request, "bad request", fmt::format("malformed request: {}", ec.message()));
}

}  // namespace lifespan::http::detail
