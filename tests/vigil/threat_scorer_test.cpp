// The threat scorer: scores through a pinned handle of the served version, falls back to rules mode
// while no version serves, follows the version as it disappears and returns, and combines rule
// severity with the model score as docs/detection.md says.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <unistd.h>

#include "gen/traffic_gen.hpp"
#include "lifespan/models/manager.hpp"
#include "model/hybrid_eval.hpp"
#include "model/threat_scorer.hpp"
#include "train/dataset.hpp"
#include "train/trainer.hpp"

#include <yaml-cpp/yaml.h>

namespace vigil {
namespace {
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using lifespan::models::version_state;

struct ScorerTest : ::testing::Test {
  fs::path root = fs::temp_directory_path() / ("vigil-scorer-" + std::to_string(::getpid()) + "-" +
                                               ::testing::UnitTest::GetInstance()->current_test_info()->name());
  split_dataset data;
  std::optional<trained_model> model;
  std::unique_ptr<lifespan::models::manager> manager;

  void SetUp() override {
    fs::remove_all(root);
    gen_options o;
    o.seed = 33;
    o.lines = 12'000;
    o.attack_share = 0.1;
    traffic_generator g(o);
    gen_line line;
    std::string text;
    while (g.next(line)) text += line.label + "\t" + line.text + "\n";
    std::istringstream in(text);
    data = read_labelled(in, rule_set::load(VIGIL_DEFAULT_RULES), 0.3, 33);
    train_options t;
    t.rounds = 15;
    t.threads = 1;
    model.emplace(train_model(data.train, t));
  }
  void TearDown() override {
    manager.reset();
    std::error_code ec;
    fs::remove_all(root, ec);
  }
  void start(lifespan::models::swap_mode mode = lifespan::models::swap_mode::availability_preserving) {
    lifespan::models::manager_options mo;
    mo.root = root;
    mo.watch = false;
    mo.models["threat"].mode = mode;
    lifespan::models::loader_registry loaders;
    lifespan::models::add_xgboost_loader(loaders);
    manager = std::make_unique<lifespan::models::manager>(mo, loaders);
    manager->start();
  }
  std::vector<feature_vector> rows(std::size_t n) const {
    std::vector<feature_vector> out(n);
    for (std::size_t i = 0; i < n; ++i) std::copy_n(data.test.row(i), feature_count, out[i].begin());
    return out;
  }
};

TEST_F(ScorerTest, ScoresAttacksAboveBenignAndBatchEqualsSingle) {
  publish_model(*model, root, "threat", 1, {});
  start();
  ASSERT_TRUE(manager->wait_for_state("threat", 1, version_state::ready, 60s)) << manager->reason("threat", 1);
  threat_scorer scorer(*manager, "threat");
  EXPECT_EQ(scorer.mode(), detection_mode::hybrid);
  const auto batch = rows(data.test.rows());
  std::vector<float> scores(batch.size());
  ASSERT_TRUE(scorer.score(batch, scores));
  binary_counts c;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (i < 50) {
      auto one = scorer.score(batch[i]);
      ASSERT_TRUE(one);
      EXPECT_NEAR(*one, scores[i], 1e-6);
    }
    const bool truth = data.test.y[i] > 0.5f, said = scores[i] >= 0.5f;
    if (truth) ++(said ? c.tp : c.fn);
    else if (said) ++c.fp;
  }
  EXPECT_GE(c.precision(), 0.95);
  EXPECT_GE(c.recall(), 0.95);
  EXPECT_EQ(scorer.errors(), 0u);
}

TEST_F(ScorerTest, RulesModeWithoutAModelThenHybridWhenOneArrives) {
  start();
  threat_scorer scorer(*manager, "threat");  // the model does not exist yet
  EXPECT_EQ(scorer.mode(), detection_mode::rules);
  EXPECT_FALSE(scorer.score(rows(1)[0]));
  const auto d = scorer.decide(severity::medium, std::nullopt);
  EXPECT_TRUE(d.alert);
  EXPECT_EQ(d.level, severity::medium);
  EXPECT_EQ(d.mode, detection_mode::rules);
  publish_model(*model, root, "threat", 1, {});
  manager->rescan();
  ASSERT_TRUE(manager->wait_for_state("threat", 1, version_state::ready, 60s));
  EXPECT_EQ(scorer.mode(), detection_mode::hybrid);
  EXPECT_TRUE(scorer.score(rows(1)[0]));
}

TEST_F(ScorerTest, HybridToRulesToHybridAsTheVersionDisappearsAndReturns) {
  // resource_preserving: a version gone from disk is unpublished at once (availability_preserving keeps
  // the loaded copy serving until a replacement is ready, by design).
  const auto v1 = publish_model(*model, root, "threat", 1, {}).dir;
  start(lifespan::models::swap_mode::resource_preserving);
  ASSERT_TRUE(manager->wait_for_state("threat", 1, version_state::ready, 60s));
  threat_scorer scorer(*manager, "threat");
  const auto row = rows(1)[0];
  EXPECT_EQ(scorer.mode(), detection_mode::hybrid);
  EXPECT_TRUE(scorer.score(row));

  fs::remove_all(v1);
  manager->rescan();
  ASSERT_TRUE(manager->wait_for_state("threat", 1, version_state::unloaded, 60s)) << manager->reason("threat", 1);
  EXPECT_EQ(scorer.mode(), detection_mode::rules);
  EXPECT_FALSE(scorer.score(row));

  publish_model(*model, root, "threat", 2, {});
  manager->rescan();
  ASSERT_TRUE(manager->wait_for_state("threat", 2, version_state::ready, 60s)) << manager->reason("threat", 2);
  EXPECT_EQ(scorer.mode(), detection_mode::hybrid);
  EXPECT_TRUE(scorer.score(row));
}

TEST_F(ScorerTest, ManyThreadsScoreWhileVersionsSwap) {
  publish_model(*model, root, "threat", 1, {});
  start();
  ASSERT_TRUE(manager->wait_for_state("threat", 1, version_state::ready, 60s));
  threat_scorer scorer(*manager, "threat");
  const auto batch = rows(64);
  std::vector<float> expected(batch.size());
  ASSERT_TRUE(scorer.score(batch, expected));
  std::atomic<bool> stop{false};
  std::atomic<int> mismatches{0}, scored{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&, t] {
      std::vector<float> out(batch.size());
      while (!stop.load()) {
        if (scorer.score(batch, out)) {
          ++scored;
          for (std::size_t i = 0; i < out.size(); ++i) mismatches += std::abs(out[i] - expected[i]) > 1e-6f;
        }
        auto one = scorer.score(batch[static_cast<std::size_t>(t)]);
        if (one && std::abs(*one - expected[static_cast<std::size_t>(t)]) > 1e-6f) ++mismatches;
      }
    });
  }
  publish_model(*model, root, "threat", 2, {});  // the same trees: every version scores alike
  manager->rescan();
  EXPECT_TRUE(manager->wait_for_state("threat", 2, version_state::ready, 60s));
  EXPECT_TRUE(manager->wait_for_state("threat", 1, version_state::unloaded, 60s));
  while (scored.load() < 100) std::this_thread::yield();
  stop = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(mismatches.load(), 0);
  EXPECT_EQ(scorer.errors(), 0u);
}

TEST_F(ScorerTest, ShapeOnlyModelCoversACategoryTheRulesLack) {
  // Rules without the xss category, and a model trained on the request's shape (rule slots zeroed):
  // rules alone miss every xss line, hybrid finds them from the model score.
  YAML::Node all = YAML::LoadFile(VIGIL_DEFAULT_RULES), kept;
  for (const auto& r : all["rules"]) {
    if (r["category"].as<std::string>() != "xss") kept["rules"].push_back(r);
  }
  fs::create_directories(root);
  const auto rules_file = root / "no-xss.yaml";
  std::ofstream(rules_file) << kept;
  mask_rule_features(data.train);
  train_options t;
  t.rounds = 20;
  t.threads = 1;
  publish_model(train_model(data.train, t), root, "threat", 1, {});
  start();
  ASSERT_TRUE(manager->wait_for_state("threat", 1, version_state::ready, 60s));
  threat_scorer scorer(*manager, "threat");
  gen_options o;
  o.seed = 34;  // not the training seed
  o.lines = 8'000;
  o.attack_share = 0.1;
  traffic_generator g(o);
  gen_line line;
  std::string text;
  while (g.next(line)) text += line.label + "\t" + line.text + "\n";
  std::istringstream in(text);
  const auto report = evaluate_hybrid(in, rule_set::load(rules_file.string()), scorer);
  EXPECT_EQ(report.unscored, 0u);
  const auto& rules_xss = report.rules.categories.at("xss");
  const auto& hybrid_xss = report.hybrid.categories.at("xss");
  ASSERT_GT(rules_xss.tp + rules_xss.fn, 30u);
  EXPECT_EQ(rules_xss.tp, 0u);
  EXPECT_GE(hybrid_xss.recall(), 0.9) << report.to_json().dump();
  EXPECT_GE(report.hybrid.overall.precision(), 0.98) << report.to_json().dump();
  EXPECT_GE(report.hybrid.overall.recall(), report.rules.overall.recall());
}

TEST(ThreatScorerDecision, CombinesRuleSeverityAndModelScore) {
  lifespan::models::manager_options mo;
  mo.root = "/nonexistent/vigil-models";
  lifespan::models::manager m(mo, {});
  threat_scorer s(m, "threat");  // defaults: weights 1 and 1, threshold 0.35, always_alert high
  // No rule hit: the model alone must reach 0.7 (combined 0.35).
  EXPECT_FALSE(s.decide(severity::none, 0.6f).alert);
  EXPECT_TRUE(s.decide(severity::none, 0.9f).alert);
  EXPECT_EQ(s.decide(severity::none, 0.9f).level, severity::medium);  // round(4 * 0.45) = 2
  EXPECT_EQ(s.decide(severity::none, 0.72f).level, severity::low);    // round(4 * 0.36) = 1
  // A low rule hit the model calls benign is suppressed; a medium one needs p >= 0.2.
  EXPECT_FALSE(s.decide(severity::low, 0.05f).alert);
  EXPECT_FALSE(s.decide(severity::medium, 0.1f).alert);
  EXPECT_TRUE(s.decide(severity::medium, 0.3f).alert);
  // High and critical hits always alert, at least at their own severity.
  EXPECT_TRUE(s.decide(severity::high, 0.0f).alert);
  EXPECT_EQ(s.decide(severity::high, 0.0f).level, severity::high);
  EXPECT_EQ(s.decide(severity::critical, 1.0f).level, severity::critical);
  EXPECT_EQ(s.decide(severity::high, 0.0f).mode, detection_mode::hybrid);
  // Rules mode: the rules' verdict as is.
  EXPECT_FALSE(s.decide(severity::none, std::nullopt).alert);
  EXPECT_EQ(s.decide(severity::low, std::nullopt).level, severity::low);
  EXPECT_THROW(threat_scorer(m, "threat", {.rule_weight = 0, .model_weight = 0}), std::invalid_argument);
  EXPECT_THROW(threat_scorer(m, "threat", {.alert_threshold = 0}), std::invalid_argument);
}

}  // namespace
}  // namespace vigil
