#pragma once
// JSON bodies the server writes itself, with keys in the order written ("error" and "reason" first),
// which reads better than nlohmann::json's sorted keys. Invalid UTF-8 is replaced, never thrown about.
#include <nlohmann/json.hpp>

#include "lifespan/http/message.hpp"

namespace lifespan::http::detail {

using ordered_json = nlohmann::ordered_json;

inline http::response json_response(const ordered_json& body, http::status s = http::status::ok) {
  return {s, "application/json", body.dump(-1, ' ', false, ordered_json::error_handler_t::replace), {}};
}

}  // namespace lifespan::http::detail
