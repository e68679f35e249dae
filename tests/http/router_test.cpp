// Routing without sockets: patterns, parameters, precedence, 404 versus 405, and declaration errors.
#include <gtest/gtest.h>

#include "lifespan/http/router.hpp"

namespace lifespan::test {
namespace {

using http::method;

http::handler answer(std::string text) {
  return [text = std::move(text)](http::request&) { return http::response::text(text); };
}

const http::route* found(const http::router& r, method m, std::string_view path) {
  return r.match(m, http::split_path(path)).found;
}

TEST(Router, SplitsPathsIntoSegments) {
  EXPECT_EQ(http::split_path("/"), std::vector<std::string>{});
  EXPECT_EQ(http::split_path("/a/b"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(http::split_path("/a/"), (std::vector<std::string>{"a", ""}));
}

TEST(Router, MatchesLiteralsAndParametersWithLiteralsFirst) {
  http::router r;
  auto& by_id = r.get("/api/alerts/{id}", answer("id"));
  auto& fresh = r.get("/api/alerts/new", answer("new"));
  auto& root = r.get("/", answer("root"));
  EXPECT_EQ(found(r, method::get, "/api/alerts/new"), &fresh);
  EXPECT_EQ(found(r, method::get, "/api/alerts/7"), &by_id);
  EXPECT_EQ(found(r, method::get, "/"), &root);
  EXPECT_EQ(found(r, method::get, "/api/alerts"), nullptr);
  EXPECT_EQ(found(r, method::get, "/api/alerts/7/more"), nullptr);
  EXPECT_EQ(found(r, method::get, "/api/alerts/"), nullptr);  // a parameter is never empty
  ASSERT_EQ(by_id.parameters().size(), 1u);
  EXPECT_EQ(by_id.parameters()[0], (std::pair<std::string, std::size_t>{"id", 2}));
}

TEST(Router, BacktracksFromALiteralBranchToAParameter) {
  http::router r;
  auto& literal = r.get("/a/b/d", answer("literal"));
  auto& param = r.get("/a/{x}/c", answer("param"));
  EXPECT_EQ(found(r, method::get, "/a/b/d"), &literal);
  EXPECT_EQ(found(r, method::get, "/a/b/c"), &param);
}

TEST(Router, PrefersTheMethodOverTheMoreSpecificPath) {
  http::router r;
  r.get("/alerts/new", answer("form"));
  auto& update = r.post("/alerts/{id}", answer("update"));
  EXPECT_EQ(found(r, method::post, "/alerts/new"), &update);
}

TEST(Router, ReportsAllowedMethodsForAKnownPathAndNoneForAnUnknownOne) {
  http::router r;
  r.get("/alerts/{id}", answer("get"));
  r.del("/alerts/{id}", answer("delete"));
  const auto m = r.match(method::post, http::split_path("/alerts/3"));
  EXPECT_EQ(m.found, nullptr);
  EXPECT_EQ(m.allowed, (std::vector<method>{method::get, method::head, method::delete_}));
  EXPECT_TRUE(r.match(method::post, http::split_path("/nothing")).allowed.empty());
}

TEST(Router, HeadUsesTheGetRoute) {
  http::router r;
  auto& get = r.get("/x", answer("x"));
  EXPECT_EQ(found(r, method::head, "/x"), &get);
  EXPECT_THROW(r.add(method::head, "/y", answer("y")), std::invalid_argument);
}

TEST(Router, RejectsMalformedAndDuplicatePatterns) {
  http::router r;
  r.get("/a/{id}", answer("a"));
  EXPECT_THROW(r.get("/a/{other}", answer("dup")), std::invalid_argument);  // same shape
  EXPECT_NO_THROW(r.post("/a/{other}", answer("post")));                    // another method is fine
  EXPECT_THROW(r.get("no-slash", answer("x")), std::invalid_argument);
  EXPECT_THROW(r.get("/a/x{id}", answer("x")), std::invalid_argument);
  EXPECT_THROW(r.get("/b/{id}/{id}", answer("x")), std::invalid_argument);
  EXPECT_THROW(r.get("/c", nullptr), std::invalid_argument);
  EXPECT_THROW(r.get("/d", answer("d")).needs("db").needs("db"), std::invalid_argument);
}

TEST(Router, ListsEveryNeededComponentOnce) {
  struct store : component {
    void start(context&) override {}
  };
  http::router r;
  r.get("/a", answer("a")).needs("db").needs("cache");
  r.get("/b", answer("b")).needs<store>("db").optional<store>("search");
  EXPECT_EQ(r.dependencies(), (std::vector<std::string>{"db", "cache", "search"}));
}

}  // namespace
}  // namespace lifespan::test
