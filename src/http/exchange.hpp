#pragma once
// What a request handler's `request` view looks at: the parsed message, its decoded target, the matched
// route and that route's dependencies as resolved when the server started. Owned by the connection
// for the duration of one dispatch, on the connection's I/O thread.
#include <functional>
#include <stop_token>
#include <string>
#include <vector>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/url/url_view.hpp>

#include "lifespan/core/service.hpp"
#include "lifespan/http/message.hpp"
#include "lifespan/http/router.hpp"

namespace lifespan::http::detail {

namespace bhttp = boost::beast::http;
using beast_request = bhttp::request<bhttp::string_body>;
using beast_response = bhttp::response<bhttp::string_body>;

// One component a route needs, resolved in server::start(): the watch decides usability with one
// atomic load; `get` (typed routes only) yields the instance or null.
struct bound_dependency {
  component_watch watch;
  bool required = true;
  const void* type = nullptr;
  std::function<void*()> get;
};

struct bound_route {
  const http::route* decl = nullptr;
  std::vector<bound_dependency> dependencies;
};

struct exchange {
  const beast_request* raw = nullptr;
  http::method method = http::method::get;
  boost::urls::url_view url;
  std::vector<std::string> segments;  // percent-decoded
  const bound_route* route = nullptr;
  std::stop_token stop;
  std::size_t max_json_depth = 0;  // request::json()'s limit: the server's max_json_depth
};

}  // namespace lifespan::http::detail
