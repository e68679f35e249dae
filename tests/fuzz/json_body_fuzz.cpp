// Fuzz target: a request body through request::json(), as every route that takes JSON calls it, and
// the parsed value back out through response::json(), as those routes answer.
//
// The contract checked (message.hpp): for any body, json() returns a value or throws http::error 400;
// nothing else escapes (a nlohmann exception, a stack overflow on deep nesting, 500). What it returns
// nests no deeper than max_json_depth, so dumping it is bounded too.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "http/exchange.hpp"
#include "lifespan/http/message.hpp"

namespace {

constexpr std::size_t max_json_depth = 64;  // the server's default

std::size_t depth_of(const nlohmann::json& j) {
  std::size_t deepest = 0;
  if (j.is_structured())
    for (const auto& child : j) deepest = std::max(deepest, depth_of(child) + 1);
  return j.is_structured() && deepest == 0 ? 1 : deepest;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace lifespan::http;
  detail::beast_request raw{detail::bhttp::verb::post, "/events", 11};
  raw.set(detail::bhttp::field::content_type, "application/json");
  raw.body().assign(reinterpret_cast<const char*>(data), size);
  detail::exchange x;
  x.raw = &raw;
  x.method = method::post;
  x.max_json_depth = max_json_depth;
  const request req(x);
  try {
    const auto value = req.json();
    if (depth_of(value) > max_json_depth) std::abort();  // the bound json() promises
    const auto answer = response::json(value);
    if (answer.body.empty()) std::abort();
  } catch (const error& e) {
    if (e.status() != status::bad_request) std::abort();
    if (std::string(e.what()).size() > 1024) std::abort();  // the reason is cut short, never the whole body
    (void)e.to_response();
  }
  return 0;
}
