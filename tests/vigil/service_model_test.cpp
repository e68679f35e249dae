// The threat model component with the real model manager and real XGBoost models trained here:
// rules mode without a model, hybrid once a version appears in the repository, rules again when it is
// removed, hybrid when it returns, without a restart and without losing a line.
#include <xgboost/c_api.h>

#include <random>
#include <thread>

#include "lifespan/models/component.hpp"
#include "lifespan/models/manifest.hpp"
#include "service_fixture.hpp"

namespace vigil::test {
namespace {

// A model that scores every request ~0.99 (trained on attacks only), or ~0.01 with `label` 0, published
// the way a deployment would: model file first, manifest last.
void publish_model(const std::filesystem::path& root, std::uint64_t version, float label = 1.0f) {
  const auto dir = root / "threat" / std::to_string(version);
  std::filesystem::create_directories(dir);
  const std::size_t n = 64;
  std::vector<float> rows(n * feature_count), labels(n, label);
  std::mt19937 random(7);
  std::uniform_real_distribution<float> value(0.0f, 10.0f);
  for (auto& v : rows) v = value(random);
  DMatrixHandle train = nullptr;
  ASSERT_EQ(XGDMatrixCreateFromMat(rows.data(), n, feature_count, NAN, &train), 0) << XGBGetLastError();
  ASSERT_EQ(XGDMatrixSetFloatInfo(train, "label", labels.data(), n), 0);
  BoosterHandle booster = nullptr;
  ASSERT_EQ(XGBoosterCreate(&train, 1, &booster), 0);
  XGBoosterSetParam(booster, "objective", "binary:logistic");
  XGBoosterSetParam(booster, "base_score", "0.5");
  XGBoosterSetParam(booster, "eta", "1");
  XGBoosterSetParam(booster, "nthread", "1");
  for (int i = 0; i < 8; ++i) ASSERT_EQ(XGBoosterUpdateOneIter(booster, i, train), 0);
  ASSERT_EQ(XGBoosterSaveModel(booster, (dir / "model.ubj").c_str()), 0);
  XGBoosterFree(booster);
  XGDMatrixFree(train);
  std::vector<std::string> names(feature_names.begin(), feature_names.end());
  lifespan::models::write_manifest(dir, "xgboost", "ubj", {"model.ubj"}, names);
}

struct grab_models : lifespan::component {
  explicit grab_models(std::shared_ptr<std::atomic<lifespan::models::models_component*>> out) : out_(std::move(out)) {}
  void start(lifespan::context& ctx) override { out_->store(&ctx.get<lifespan::models::models_component>()); }
  void stop(lifespan::time_point) override { out_->store(nullptr); }
  std::shared_ptr<std::atomic<lifespan::models::models_component*>> out_;
};

// The manager notices repository changes through inotify (and a rescan); there is no event to await
// from outside, so poll the mode with a generous deadline.
bool mode_becomes(service::pipeline& p, const std::string& mode) {
  const auto until = std::chrono::steady_clock::now() + 60s;
  while (p.mode() != mode) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

TEST(vigil_serve_model, hybrid_rules_hybrid_as_the_model_disappears_and_returns) {
  temp_dir dir;
  const auto log = dir / "access.log";
  const auto root = dir / "models";
  std::filesystem::create_directories(root);
  auto models = std::make_shared<std::atomic<lifespan::models::models_component*>>(nullptr);
  service_under_test s(dir, {log.string()}, {"models.root=" + root.string(), "models.rescan_interval=1s"},
                       [&](lifespan::service& svc) {
                         svc.add<grab_models>("grab_models", models).background()
                             .depends_on<lifespan::models::models_component>();
                       });
  ASSERT_TRUE(s.up);
  ASSERT_TRUE(s.h->wait_for_event(lifespan::event_kind::component_up, "grab_models"));
  EXPECT_EQ(s.pipeline().mode(), "rules");
  append(log, log_lines(0, 20, 10));  // two rule alerts, no model
  ASSERT_TRUE(s.wait_stored(20));
  EXPECT_EQ(s.pipeline().stats().alerts_stored, 2u);

  publish_model(root, 1);
  ASSERT_TRUE(mode_becomes(s.pipeline(), "hybrid"));
  append(log, log_lines(20, 40, 10));  // 2 rule alerts with a score + 18 lines only the model flags
  ASSERT_TRUE(s.wait_stored(40));
  EXPECT_EQ(s.pipeline().stats().alerts_stored, 22u);
  service::alert_query recent;
  recent.limit = 20;
  const auto page = s.alerts().query(recent);
  ASSERT_EQ(page.alerts.size(), 20u);
  std::size_t model_alerts = 0;
  for (const auto& a : page.alerts) {
    EXPECT_EQ(a.mode, "hybrid");
    ASSERT_TRUE(a.model_score.has_value());
    EXPECT_GT(*a.model_score, 0.9);
    model_alerts += a.kind == "model";
  }
  EXPECT_EQ(model_alerts, 18u);

  // An operator takes the model away (a loaded version serves until replaced or unloaded).
  std::filesystem::remove_all(root / "threat");
  ASSERT_TRUE(models->load()->manager().unload("threat").ok());
  ASSERT_TRUE(mode_becomes(s.pipeline(), "rules"));
  append(log, log_lines(40, 60, 10));
  ASSERT_TRUE(s.wait_stored(60));
  EXPECT_EQ(s.pipeline().stats().alerts_stored, 24u);
  EXPECT_EQ(s.alerts().query({}).alerts.front().mode, "rules");

  publish_model(root, 2);
  ASSERT_TRUE(mode_becomes(s.pipeline(), "hybrid"));
  append(log, log_lines(60, 80, 10));
  ASSERT_TRUE(s.wait_stored(80));
  EXPECT_EQ(s.pipeline().stats().alerts_stored, 44u);
  EXPECT_EQ(s.h->stop(), 0);
}

// The hybrid decision (threat_model.hpp): a model that calls every request benign vetoes a medium rule
// hit, while high hits alert whatever it says; nothing alerts on the model alone.
TEST(vigil_serve_model, a_benign_score_vetoes_medium_hits_and_high_hits_stay) {
  temp_dir dir;
  const auto log = dir / "access.log";
  const auto root = dir / "models";
  const auto rules = dir / "rules.yaml";
  { std::ofstream(rules) << "rules:\n"
                            "  - {id: test-xss, category: xss, severity: high, field: target, pattern: '<script'}\n"
                            "  - {id: test-canary, category: canary, severity: medium, field: target, pattern: '/products/7\\b'}\n"; }
  publish_model(root, 1, 0.0f);
  service_under_test s(dir, {log.string()}, {"models.root=" + root.string(), "rules.path=" + rules.string()});
  ASSERT_TRUE(s.up);
  ASSERT_TRUE(mode_becomes(s.pipeline(), "hybrid"));
  append(log, log_lines(0, 20, 10));  // high hits on lines 0 and 10, a medium one on line 7
  ASSERT_TRUE(s.wait_stored(20));
  const auto stats = s.pipeline().stats();
  EXPECT_EQ(stats.alerts_stored, 2u);
  EXPECT_EQ(stats.alerts_vetoed, 1u);
  for (const auto& a : s.alerts().query({}).alerts) {
    EXPECT_EQ(a.rule_ids, std::vector<std::string>{"test-xss"});
    ASSERT_TRUE(a.model_score.has_value());
    EXPECT_LT(*a.model_score, 0.1);
    EXPECT_EQ(a.level, severity::high);
  }
  EXPECT_EQ(s.h->stop(), 0);
}

TEST(vigil_serve_model, bad_decision_weights_are_configuration_errors_naming_the_key) {
  temp_dir dir;
  for (const auto& [set, key] : std::vector<std::pair<std::string, std::string>>{
           {"threat_model.alert_threshold=0", "threat_model.alert_threshold"},
           {"threat_model.rule_weight=-1", "threat_model.rule_weight"},
           {"threat_model.always_alert=sometimes", "threat_model.always_alert"}}) {
    lifespan::service svc("vigil", quiet({"db.url=sqlite://" + (dir / "v.db").string(),
                                          "models.root=" + (dir / "models").string(), set}));
    service::assemble(svc);
    const auto problems = svc.check();
    ASSERT_EQ(problems.size(), 1u) << set;
    EXPECT_NE(problems[0].find(key), std::string::npos) << problems[0];
  }
}

}  // namespace
}  // namespace vigil::test
