#pragma once
// One refused request on a fresh connection, checked the way every limit answers: one response with
// the status and a JSON {error, reason} body and, when the request's framing was refused (`closes`),
// `Connection: close`, then nothing more but the close: never a second response.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "client.hpp"

namespace lifespan::test {

inline reply rejected(std::uint16_t port, const std::string& bytes, int status, bool closes = true) {
  client c(port);
  try {
    c.send(bytes);
  } catch (const std::runtime_error&) {
    // the server may close while a large request is still being sent; the response is still there
  }
  auto r = c.read();
  EXPECT_TRUE(r.has_value()) << "no response to " << bytes.substr(0, 80);
  if (!r) return {};
  EXPECT_EQ(r->status, status) << bytes.substr(0, 80) << " -> " << r->body;
  EXPECT_EQ(r->header("content-type"), "application/json");
  const auto body = r->json();
  EXPECT_TRUE(body.contains("error") && body.contains("reason")) << r->body;
  if (closes) {
    EXPECT_EQ(r->header("connection"), "close") << bytes.substr(0, 80);
    EXPECT_TRUE(c.closed_by_server()) << bytes.substr(0, 80);
    EXPECT_EQ(c.received(), "") << "a second response to " << bytes.substr(0, 80);
  } else {
    EXPECT_NE(r->header("connection"), "close") << bytes.substr(0, 80);
  }
  return *r;
}

}  // namespace lifespan::test
