// The models component in a real service with the real HTTP server: readiness gated on the required
// model, the API's answers, and 4xx with reasons for bad input.
#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "fake_loader.hpp"
#include "fixtures.hpp"
#include "http/fixture.hpp"
#include "lifespan/models/component.hpp"

namespace lifespan::models {
namespace {
using namespace std::chrono_literals;
using lifespan::test::client;
using lifespan::test::served;

template <class F>
bool eventually(F f, std::chrono::milliseconds timeout = 10s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!f()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

struct ModelsHttp : ::testing::Test {
  testing::temp_dir root;
  std::unique_ptr<served> s;

  void start(std::vector<std::string> overrides = {}) {
    overrides.push_back("models.root=" + root.path.string());
    overrides.push_back("models.watch=false");
    s = std::make_unique<served>(overrides);
    s->svc.add<models_component>("models", &s->svc).ready_gating().start_timeout(30s);
    http::router routes;
    add_routes(routes);
    s->add_server(std::move(routes));
    s->start();
  }
};

TEST_F(ModelsHttp, ReadinessWaitsForTheRequiredModelThenTheApiServesIt) {
  testing::publish_xgboost(root.path, "scorer", 1);
  start({"models.models.scorer.required=true"});
  ASSERT_TRUE(s->h->wait_for_event(event_kind::component_up, "models"));
  EXPECT_TRUE(eventually([&] { return s->svc.is_ready(); }));
  client c(s->port);

  auto list = c.get("/models");
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(list.json()["models"][0]["name"], "scorer");
  EXPECT_EQ(list.json()["models"][0]["serving"], 1);
  EXPECT_EQ(list.json()["ready"], true);

  auto rows = testing::sample_rows(2);
  nlohmann::json body{{"rows", {{rows[0], rows[1], rows[2], rows[3]}, {rows[4], nullptr, rows[6], rows[7]}}}};
  auto p = c.request("POST", "/models/scorer/predict", body.dump(), "Content-Type: application/json\r\n");
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_EQ(p.json()["version"], 1);
  EXPECT_EQ(p.json()["scores"].size(), 2u);

  // Rows by feature name (the manifest's schema f0..f3); an absent feature is missing.
  auto named = c.request("POST", "/models/scorer/predict", R"({"rows": [{"f0": 0.5, "f1": -0.2, "f3": 1}]})");
  ASSERT_EQ(named.status, 200) << named.body;
  EXPECT_EQ(named.json()["scores"].size(), 1u);
  auto stray = c.request("POST", "/models/scorer/predict", R"({"rows": [{"f9": 1}]})");
  EXPECT_EQ(stray.status, 422);
  EXPECT_NE(stray.body.find("unknown feature 'f9'"), std::string::npos) << stray.body;

  auto show = c.get("/models/scorer");
  ASSERT_EQ(show.status, 200);
  EXPECT_EQ(show.json()["versions"][0]["requests"], 2);
  EXPECT_EQ(show.json()["versions"][0]["rows"], 3);
  EXPECT_EQ(c.get("/models/scorer/transitions").json()["transitions"].back()["reason"], "published");

  // A label pins v1 while v2 takes over serving; then a forced reload of v1.
  EXPECT_EQ(c.request("PUT", "/models/scorer/labels/stable", R"({"version": 1})").status, 200);
  auto unknown = c.request("PUT", "/models/scorer/labels/stable", R"({"version": 7})");
  EXPECT_EQ(unknown.status, 404) << unknown.body;
  testing::publish_xgboost(root.path, "scorer", 2, "ubj", 5, 0.3f);
  EXPECT_EQ(c.request("POST", "/models/rescan").status, 200);
  EXPECT_TRUE(eventually([&] { return c.get("/models").json()["models"][0]["serving"] == 2; }));
  EXPECT_EQ(c.request("POST", "/models/scorer/reload", R"({"version": 1})").status, 202);
  auto by_label = c.request("POST", "/models/scorer/predict", R"({"rows": [[0,0,0,0]], "label": "stable"})");
  EXPECT_EQ(by_label.status, 200) << by_label.body;
  EXPECT_EQ(by_label.json()["version"], 1);
}

TEST_F(ModelsHttp, MetricsShowEachVersionsStateTrafficAndLatency) {
  testing::publish_xgboost(root.path, "scorer", 1);
  start({"models.models.scorer.required=true"});
  ASSERT_TRUE(eventually([&] { return s->svc.is_ready(); }));
  client c(s->port);
  auto rows = testing::sample_rows(1);
  nlohmann::json body{{"rows", {{rows[0], rows[1], rows[2], rows[3]}}}};
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(c.request("POST", "/models/scorer/predict", body.dump(), "Content-Type: application/json\r\n").status, 200);

  auto m = c.get("/metrics");
  ASSERT_EQ(m.status, 200);
  const auto has = [&](const std::string& line) { return m.body.find(line) != std::string::npos; };
  EXPECT_TRUE(has("lifespan_model_serving_version{model=\"scorer\"} 1\n")) << m.body;
  EXPECT_TRUE(has("lifespan_model_version_state{model=\"scorer\",version=\"1\",state=\"ready\"} 1\n")) << m.body;
  EXPECT_TRUE(has("lifespan_model_version_state{model=\"scorer\",version=\"1\",state=\"loading\"} 0\n")) << m.body;
  EXPECT_TRUE(has("lifespan_model_requests_total{model=\"scorer\",version=\"1\"} 3\n")) << m.body;
  EXPECT_TRUE(has("lifespan_model_predict_seconds_count{model=\"scorer\",version=\"1\"} 3\n")) << m.body;
  EXPECT_TRUE(has("lifespan_model_predict_seconds_bucket{model=\"scorer\",version=\"1\",le=\"+Inf\"} 3\n")) << m.body;
  EXPECT_TRUE(has("lifespan_models_live_versions 1\n")) << m.body;
  EXPECT_TRUE(has("lifespan_model_version_bytes{model=\"scorer\",version=\"1\"} ")) << m.body;
}

TEST_F(ModelsHttp, BadInputGets4xxWithReasons) {
  testing::publish_xgboost(root.path, "scorer", 1);
  start({"models.models.scorer.required=true"});
  ASSERT_TRUE(s->h->wait_for_event(event_kind::component_up, "models"));
  client c(s->port);
  auto check = [&](std::string_view method, std::string_view target, std::string_view body, int status,
                   std::string_view needle) {
    auto r = c.request(method, target, body);
    EXPECT_EQ(r.status, status) << target << " " << body << " -> " << r.body;
    EXPECT_NE(r.body.find(needle), std::string::npos) << r.body;
  };
  check("POST", "/models/scorer/predict", "not json", 400, "error");
  check("POST", "/models/scorer/predict", R"({"rows": 5})", 422, "rows");
  check("POST", "/models/scorer/predict", R"({"rows": []})", 422, "empty");
  check("POST", "/models/scorer/predict", R"({"rows": [[1, 2]]})", 422, "4 features");
  check("POST", "/models/scorer/predict", R"({"rows": [[1, 2, "x", 4]]})", 422, "numbers or null");
  check("POST", "/models/nope/predict", R"({"rows": [[1, 2, 3, 4]]})", 404, "unknown_model");
  // Numbers out of range (issue 17, item 10): beyond a double, a parse error; beyond a float, a bad row.
  check("POST", "/models/scorer/predict", R"({"rows": [[1e999, 2, 3, 4]]})", 400, "not valid JSON");
  check("POST", "/models/scorer/load", R"({"version": 1e999})", 400, "not valid JSON");
  check("POST", "/models/scorer/predict", R"({"rows": [[1e300, 2, 3, 4]]})", 422, "float's range");
  check("POST", "/models/scorer/predict", R"({"rows": [{"f0": -1e300}]})", 422, "float's range");
  check("GET", "/models/nope", "", 404, "no model named 'nope'");
  check("POST", "/models/scorer/unload", R"({"version": "one"})", 400, "non-negative integer");
  check("POST", "/models/scorer/unload", R"({"version": 1})", 409, "unready");
  check("PUT", "/models/scorer/labels/stable", "", 400, "version");
  check("PUT", "/models/scorer/labels/bad%20label", R"({"version": 1})", 400, "label");
  check("DELETE", "/models/scorer/labels/none", "", 404, "no label");
}

TEST_F(ModelsHttp, AnOptionalModelThatCannotLoadLeavesTheServiceReadyButDegraded) {
  testing::publish_xgboost(root.path, "scorer", 1);
  auto dir = root.path / "extra" / "1";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "model.ubj") << "garbage";
  write_manifest(dir, "xgboost", "ubj", {"model.ubj"}, {});
  start({"models.models.scorer.required=true", "models.models.extra.required=false",
         "models.health_interval=50ms"});
  ASSERT_TRUE(s->h->wait_for_event(event_kind::component_up, "models"));
  EXPECT_TRUE(eventually([&] { return s->svc.is_ready(); }));
  ASSERT_TRUE(s->h->wait_for_event(event_kind::component_degraded, "models"));
  client c(s->port);
  EXPECT_TRUE(eventually([&] { return c.get("/models/extra").json()["versions"][0]["state"] == "failed"; }));
  auto p = c.request("POST", "/models/extra/predict", R"({"rows": [[1, 2, 3, 4]]})");
  EXPECT_EQ(p.status, 503) << p.body;
  EXPECT_EQ(p.header("retry-after"), "1");
  auto show = c.get("/models/extra").json();
  EXPECT_EQ(show["versions"][0]["state"], "failed");
  EXPECT_NE(show["versions"][0]["reason"].get<std::string>().find("not a valid ubj model"), std::string::npos)
      << show.dump();
}

TEST_F(ModelsHttp, ARequiredModelThatCannotLoadFailsTheStartWithTheReason) {
  auto dir = root.path / "scorer" / "1";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "model.ubj") << "garbage";
  write_manifest(dir, "xgboost", "ubj", {"model.ubj"}, {});
  start({"models.models.scorer.required=true", "models.retry_initial=1h", "models.retry_max=1h"});
  ASSERT_TRUE(s->h->wait_for_event(event_kind::component_failed, "models"));
  EXPECT_FALSE(s->svc.is_ready());
  bool named = false;
  for (auto& e : s->h->events())
    if (e.kind == event_kind::component_failed && e.detail.find("required model 'scorer' cannot load") != std::string::npos)
      named = true;
  EXPECT_TRUE(named);
}

TEST_F(ModelsHttp, LoadersBeyondXgboostAreRegisteredThroughTheComponent) {
  auto script = std::make_shared<testing::fake_script>();
  testing::publish_fake(root.path, "custom", 4);
  s = std::make_unique<served>(std::vector<std::string>{"models.root=" + root.path.string(), "models.watch=false",
                                                        "models.models.custom.required=true"});
  s->svc.add<models_component>("models", std::function<void(loader_registry&)>([script](loader_registry& r) {
        r.add("fake", [script](const load_source& src) { return std::make_unique<testing::fake_loader>(script, src); });
      })).ready_gating();
  http::router routes;
  add_routes(routes);
  s->add_server(std::move(routes));
  s->start();
  ASSERT_TRUE(s->h->wait_for_event(event_kind::component_up, "models"));
  client c(s->port);
  auto p = c.request("POST", "/models/custom/predict", R"({"rows": [[1, 2]]})");
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_EQ(p.json()["scores"][0], 4.0);  // the fake scores with its version number
  // Unload the only version of a required model: refused; load and reload: accepted.
  EXPECT_EQ(c.request("POST", "/models/custom/unload").status, 409);
  EXPECT_EQ(c.request("POST", "/models/custom/reload").status, 202);
  EXPECT_TRUE(eventually([&] { return script->loads_of("custom", 4) == 2; }));
  EXPECT_EQ(c.request("POST", "/models/custom/load", R"({"version": 4})").status, 200);
  EXPECT_EQ(c.request("POST", "/models/custom/load", R"({"version": 9})").status, 404);
}

}  // namespace
}  // namespace lifespan::models
