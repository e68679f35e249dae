// Route guards and bearer-token authentication through the real server: a guard answers before the
// component check; a missing, malformed or wrong token gets the same 401; the right one passes; the
// built-in endpoints stay open unless they get their own token; configuration errors name the key.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "fixture.hpp"
#include "lifespan/http/bearer_auth.hpp"

namespace lifespan::test {
namespace {

const std::string api_token = "api-0123456789abcdef";
const std::string probes_token = "probes-fedcba9876543210";

std::string bearer(const std::string& token) { return "Authorization: Bearer " + token + "\r\n"; }

// /api/items (guarded with the API token), /api/stream (API token, or ?access_token=), /open (not
// guarded), /internal/x (guarded by a guard_routes predicate that selects only it).
http::router guarded_routes(const http::bearer_guards& auth) {
  http::router routes;
  routes.get("/api/items", [](http::request&) { return http::response::json({{"items", 3}}); });
  routes.post("/api/items", [](http::request&) { return http::response::json({{"created", true}}); });
  routes.get("/api/stream", [](http::request&) { return http::response::text("events"); }).guarded(auth.api(true));
  routes.get("/open", [](http::request&) { return http::response::text("open"); });
  EXPECT_EQ(routes.guard_routes([](const http::route& r) { return r.pattern() == "/api/items"; }, auth.api()), 2u);
  routes.guard_builtins(auth.probes());
  return routes;
}

struct running {
  explicit running(std::vector<std::string> overrides) : s(std::move(overrides)) {
    auto auth = http::add_bearer_auth(s.svc);
    s.add_server(guarded_routes(auth)).depends_on("auth");
    s.start();
    // The probes answer 200 once the service is running (the server is up an instant before).
    if (!s.h->wait_for_state(service_state::running, 60s)) throw std::runtime_error("the service did not reach RUNNING");
  }
  reply get(const std::string& target, const std::string& headers = {}) {
    client c(s.port);
    return c.request("GET", target, {}, headers);
  }
  served s;
};

TEST(RouteGuards, AGuardAnswersBeforeTheComponentCheckSoARefusedClientLearnsNothingOfTheService) {
  auto g = std::make_shared<gate>();
  served s;
  s.svc.add<gated>("db", g).background();
  http::router routes;
  routes.get("/api/items", [](http::request&) { return http::response::text("items"); })
      .needs("db")
      .guarded([](const http::request& req) -> std::optional<http::response> {
        if (req.header("x-key") == std::optional<std::string_view>("k")) return std::nullopt;
        return http::response::error(http::status::forbidden, "forbidden", "no");
      });
  routes.get("/other", [](http::request&) { return http::response::text("other"); });
  EXPECT_EQ(routes.guard_routes(http::under("/api/", http::method::post), [](const http::request&) {
    return std::optional<http::response>(http::response::text("never"));
  }), 0u) << "under() with a method selects only routes of that method";
  s.add_server(std::move(routes));
  s.start();

  client c(s.port);
  const auto refused = c.get("/api/items");
  EXPECT_EQ(refused.status, 403);
  EXPECT_EQ(refused.body.find("db"), std::string::npos) << refused.body;
  const auto allowed = c.request("GET", "/api/items", {}, "X-Key: k\r\n");
  EXPECT_EQ(allowed.status, 503) << "past the guard, the component check answers";
  EXPECT_EQ(allowed.json()["component"], "db");
  EXPECT_EQ(c.get("/other").status, 200);
  g->open();
}

TEST(BearerAuth, MissingMalformedAndWrongTokensGetTheSame401AndTheRightTokenPasses) {
  running r({"auth.token=" + api_token});
  const auto missing = r.get("/api/items");
  EXPECT_EQ(missing.status, 401);
  EXPECT_EQ(missing.header("www-authenticate"), "Bearer realm=\"t\"");
  EXPECT_EQ(missing.json()["error"], "unauthorized");
  for (const std::string& headers : {bearer("wrong"), bearer(api_token + "x"), bearer(api_token.substr(1)),
                                     std::string("Authorization: Basic YTpi\r\n"), std::string("Authorization: Bearer\r\n")}) {
    const auto wrong = r.get("/api/items", headers);
    EXPECT_EQ(wrong.status, 401) << headers;
    EXPECT_EQ(wrong.body, missing.body) << "the body reveals nothing: " << headers;
    EXPECT_EQ(wrong.header("www-authenticate"), missing.header("www-authenticate"));
  }
  const auto right = r.get("/api/items", bearer(api_token));
  EXPECT_EQ(right.status, 200);
  EXPECT_EQ(right.json()["items"], 3);
  EXPECT_EQ(r.get("/api/items", "Authorization: bearer " + api_token + "\r\n").status, 200) << "the scheme is case-insensitive";
  {
    client c(r.s.port);
    EXPECT_EQ(c.request("POST", "/api/items", "{}", bearer(api_token)).status, 200);
    EXPECT_EQ(c.request("POST", "/api/items", "{}", bearer("nope")).status, 401);
  }
  EXPECT_EQ(r.get("/open").status, 200);
}

TEST(BearerAuth, TheQueryParameterIsAcceptedOnlyWhereTheGuardAllowsIt) {
  running r({"auth.token=" + api_token});
  EXPECT_EQ(r.get("/api/stream?access_token=" + api_token).status, 200);
  EXPECT_EQ(r.get("/api/stream", bearer(api_token)).status, 200);
  EXPECT_EQ(r.get("/api/stream?access_token=wrong").status, 401);
  EXPECT_EQ(r.get("/api/items?access_token=" + api_token).status, 401) << "not on routes guarded without it";
}

TEST(BearerAuth, ProbesAndMetricsStayOpenWithoutAProbesToken) {
  running r({"auth.token=" + api_token});
  for (const char* path : {"/livez", "/readyz", "/startupz", "/health", "/health/detailed", "/metrics"})
    EXPECT_EQ(r.get(path).status, 200) << path;
}

TEST(BearerAuth, AProbesTokenGuardsTheBuiltInsAndTheApiTokenOpensThemToo) {
  running r({"auth.token=" + api_token, "auth.probes_token=" + probes_token});
  for (const char* path : {"/livez", "/readyz", "/health/detailed", "/metrics", "/debug/startup"}) {
    const auto missing = r.get(path);
    EXPECT_EQ(missing.status, 401) << path;
    EXPECT_EQ(r.get(path, bearer("wrong")).body, missing.body) << path;
    EXPECT_EQ(r.get(path, bearer(probes_token)).status, 200) << path;
    EXPECT_EQ(r.get(path, bearer(api_token)).status, 200) << path;
  }
  EXPECT_EQ(r.get("/api/items", bearer(probes_token)).status, 401) << "the probes token does not open the API";
}

TEST(BearerAuth, WithoutATokenEverythingIsOpen) {
  running r({});
  EXPECT_EQ(r.get("/api/items").status, 200);
  EXPECT_EQ(r.get("/livez").status, 200);
}

TEST(BearerAuth, ATokenFileIsReadWithoutItsTrailingNewline) {
  const auto file = std::filesystem::temp_directory_path() / ("lifespan-token-" + std::to_string(::getpid()));
  std::ofstream(file) << api_token << "\n";
  running r({"auth.token_file=" + file.string()});
  EXPECT_EQ(r.get("/api/items", bearer(api_token)).status, 200);
  EXPECT_EQ(r.get("/api/items").status, 401);
  std::filesystem::remove(file);
}

TEST(BearerAuth, ConfigurationErrorsNameTheKeyAndNeverTheToken) {
  const auto problems = [](std::vector<std::string> overrides) {
    service svc("t", quiet(std::move(overrides)));
    http::add_bearer_auth(svc);
    std::string all;
    for (const auto& p : svc.check()) all += p + "\n";
    return all;
  };
  const auto both = problems({"auth.token=" + api_token, "auth.token_file=/etc/hostname"});
  // The origin prefix quotes the operator's own --set argument; the message itself never has the token.
  const auto message = both.find("auth.token: ");
  ASSERT_NE(message, std::string::npos) << both;
  EXPECT_EQ(both.find(api_token, message), std::string::npos) << both;
  const auto unreadable = problems({"auth.probes_token_file=/nonexistent/token"});
  EXPECT_NE(unreadable.find("auth.probes_token_file"), std::string::npos) << unreadable;
  EXPECT_NE(unreadable.find("/nonexistent/token"), std::string::npos) << unreadable;
  const auto spaced = problems({"auth.token=two words"});
  EXPECT_NE(spaced.find("whitespace"), std::string::npos) << spaced;
  EXPECT_EQ(problems({"auth.token=" + api_token}), "");
}

}  // namespace
}  // namespace lifespan::test
