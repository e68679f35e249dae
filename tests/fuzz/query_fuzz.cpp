// Fuzz target: a request target through the parsing the server does before any handler runs
// (dispatch.cpp's locate(): origin-form, else absolute-form, with Boost.URL), then routing on the
// percent-decoded segments, and request::query() for every parameter the target has.
//
// Checked: nothing throws but what the server catches, and query() finds every key the parameter
// list has (the view and the lookup agree).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include <boost/url/parse.hpp>

#include "http/exchange.hpp"
#include "lifespan/http/message.hpp"
#include "lifespan/http/router.hpp"

namespace {

const lifespan::http::router& routes() {
  static const auto* r = [] {
    auto* built = new lifespan::http::router;
    const auto ok = [](const lifespan::http::request&) { return lifespan::http::response::text("ok"); };
    built->get("/api/alerts", ok);
    built->get("/api/alerts/{id}", ok);
    built->post("/models/{name}/predict", ok);
    built->get("/models/{name}/versions/{version}", ok);
    built->del("/api/alerts/{id}", ok);
    return built;
  }();
  return *r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace lifespan::http;
  const std::string target(reinterpret_cast<const char*>(data), size);
  auto parsed = boost::urls::parse_origin_form(target);
  if (!parsed) {
    auto absolute = boost::urls::parse_absolute_uri(target);
    if (!absolute) return 0;  // answered 400 by the server
    parsed = absolute;
  }
  detail::beast_request raw{detail::bhttp::verb::get, target, 11};
  detail::exchange x;
  x.raw = &raw;
  x.url = *parsed;
  for (auto segment : x.url.segments()) x.segments.push_back(std::move(segment));
  const auto match = routes().match(method::get, x.segments);
  if (!match.found) (void)routes().allowed(x.segments);
  const request req(x);
  (void)req.path();
  for (const auto& name : {"category", "limit", "since", "format", ""}) (void)req.query(name);
  for (const auto param : x.url.params()) {
    const auto found = req.query(param.key);
    if (!found) std::abort();  // a key the list has must be found
  }
  return 0;
}
