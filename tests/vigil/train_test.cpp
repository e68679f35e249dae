// vigil train: trains the threat model on a small generated set, publishes a version the models
// manager loads, and the model ranks attacks above benign requests. Also: the bundled model under
// apps/vigil/models loads and matches its manifest.
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>
#include <unistd.h>

#include "gen/traffic_gen.hpp"
#include "lifespan/models/manager.hpp"
#include "lifespan/models/repository.hpp"
#include "train/dataset.hpp"
#include "train/trainer.hpp"

namespace vigil {
namespace {
namespace fs = std::filesystem;

std::string labelled_set(std::uint64_t seed, std::uint64_t lines) {
  gen_options o;
  o.seed = seed;
  o.lines = lines;
  o.attack_share = 0.08;
  o.behaviour_share = 0.03;
  traffic_generator g(o);
  gen_line line;
  std::string out;
  while (g.next(line)) out += line.label + "\t" + line.text + "\n";
  return out;
}

struct temp_root {
  fs::path path = fs::temp_directory_path() / ("vigil-train-" + std::to_string(::getpid()) + "-" +
                                               ::testing::UnitTest::GetInstance()->current_test_info()->name());
  temp_root() { fs::remove_all(path); }
  ~temp_root() { std::error_code ec; fs::remove_all(path, ec); }
};

TEST(VigilTrain, DatasetSkipsBehaviourLinesAndSplitsReproducibly) {
  std::istringstream a(labelled_set(3, 5000)), b(labelled_set(3, 5000));
  const auto rules = rule_set::load(VIGIL_DEFAULT_RULES);
  const auto x = read_labelled(a, rules, 0.25, 9), y = read_labelled(b, rules, 0.25, 9);
  EXPECT_EQ(x.stats.lines, 5000u);
  EXPECT_EQ(x.stats.malformed, 0u);
  EXPECT_GT(x.stats.behaviour_skipped, 0u);
  EXPECT_EQ(x.train.rows() + x.test.rows() + x.stats.behaviour_skipped, 5000u);
  EXPECT_NEAR(double(x.test.rows()) / double(x.train.rows() + x.test.rows()), 0.25, 0.03);
  EXPECT_EQ(x.test.x, y.test.x);  // same seed, same split
  EXPECT_THROW(read_labelled(a, rules, 1.5, 9), std::invalid_argument);
}

TEST(VigilTrain, TrainedVersionLoadsThroughTheManagerAndRanksAttacksAboveBenign) {
  temp_root root;
  std::istringstream in(labelled_set(21, 20'000));
  const auto data = read_labelled(in, rule_set::load(VIGIL_DEFAULT_RULES), 0.3, 21);
  train_options o;
  o.rounds = 20;
  o.threads = 1;  // OpenMP spin-waits badly on a loaded 2-core machine
  o.seed = 21;
  const auto model = train_model(data.train, o);
  const auto q = evaluate(model, data.test, 0.5);
  EXPECT_GE(q.auc, 0.98);
  EXPECT_GE(q.overall.precision(), 0.95) << q.to_json().dump();
  EXPECT_GE(q.overall.recall(), 0.95) << q.to_json().dump();

  const auto published = publish_model(model, root.path, "threat", 0, {{"test", true}}, &data.test, 4);
  EXPECT_EQ(published.version, 1u);
  EXPECT_EQ(published.dir, root.path / "threat" / "1");
  for (const auto& e : fs::directory_iterator(root.path / "threat"))  // no staging directory left behind
    EXPECT_EQ(e.path().filename(), "1");
  const auto manifest = lifespan::models::read_manifest(published.dir);
  ASSERT_EQ(manifest.features.size(), feature_count);
  EXPECT_EQ(manifest.features[29], "rule_hits");
  EXPECT_EQ(manifest.warmup.size(), 4u);
  EXPECT_THROW(publish_model(model, root.path, "threat", 1, {}), std::runtime_error);  // never overwrites

  lifespan::models::manager_options mo;
  mo.root = root.path;
  mo.watch = false;
  mo.models["threat"].required = true;
  lifespan::models::loader_registry loaders;
  lifespan::models::add_xgboost_loader(loaders);
  lifespan::models::manager m(mo, loaders);
  m.start();
  ASSERT_TRUE(m.wait_ready(std::chrono::seconds(60))) << m.reason("threat", 1);
  auto h = m.acquire("threat");
  ASSERT_TRUE(h);
  std::vector<float> served;
  h.predict(std::span<const float>(data.test.x), data.test.rows(), served);
  const auto direct = model.predict(data.test.x.data(), data.test.rows());
  ASSERT_EQ(served.size(), direct.size());
  double attack_sum = 0, benign_sum = 0, attacks = 0;
  for (std::size_t i = 0; i < served.size(); ++i) {
    EXPECT_NEAR(served[i], direct[i], 1e-5);
    (data.test.y[i] > 0.5f ? attack_sum : benign_sum) += served[i];
    attacks += data.test.y[i];
  }
  EXPECT_GT(attack_sum / attacks, 0.9);
  EXPECT_LT(benign_sum / (double(served.size()) - attacks), 0.1);
}

TEST(VigilTrain, WithoutRuleFeaturesTheModelStillSeparatesByShape) {
  std::istringstream in(labelled_set(5, 12'000));
  auto data = read_labelled(in, rule_set::load(VIGIL_DEFAULT_RULES), 0.3, 5);
  mask_rule_features(data.train);
  mask_rule_features(data.test);
  for (std::size_t r = 0; r < data.train.rows(); ++r) {
    for (std::size_t i = 29; i < feature_count; ++i) ASSERT_EQ(data.train.row(r)[i], 0.0f) << feature_names[i];
  }
  train_options o;
  o.rounds = 20;
  o.threads = 1;  // OpenMP spin-waits badly on a loaded 2-core machine
  const auto q = evaluate(train_model(data.train, o), data.test, 0.5);
  EXPECT_GE(q.auc, 0.95) << q.to_json().dump();
  EXPECT_GE(q.overall.recall(), 0.8) << q.to_json().dump();
}

TEST(VigilTrain, RuleDropoutZeroesAboutThatShareOfRows) {
  std::istringstream in(labelled_set(6, 4000));
  auto data = read_labelled(in, rule_set::load(VIGIL_DEFAULT_RULES), 0.0, 6);
  drop_rule_features(data.train, 0.5, 6);
  std::size_t attacks = 0, dropped = 0;
  for (std::size_t r = 0; r < data.train.rows(); ++r) {
    if (data.train.y[r] < 0.5f) continue;
    ++attacks;  // every generated attack hits a rule, so a zero rule_hits slot means dropped
    dropped += data.train.row(r)[29] == 0.0f;
  }
  ASSERT_GT(attacks, 100u);
  EXPECT_NEAR(double(dropped) / double(attacks), 0.5, 0.1);
}

TEST(VigilTrain, OneClassDataIsRefusedWithTheFix) {
  dataset d;
  d.x.assign(feature_count * 3, 0.0f);
  d.y.assign(3, 0.0f);
  d.label.assign(3, 0);
  d.labels = {"benign"};
  try {
    train_model(d, {});
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("--attack-share"), std::string::npos) << e.what();
  }
}

TEST(VigilTrain, BundledModelLoadsAndMatchesItsManifest) {
  const fs::path root = fs::path(LIFESPAN_SOURCE_DIR) / "apps/vigil/models";
  lifespan::models::repository repo(root);
  const auto listing = repo.scan();
  ASSERT_TRUE(listing.count("threat")) << "no threat model under " << root;
  const auto& versions = listing.at("threat");
  ASSERT_FALSE(versions.empty());
  for (const auto& v : versions) {
    ASSERT_EQ(v.state, lifespan::models::disk_state::complete) << v.dir << ": " << v.problem;
    EXPECT_NO_THROW(lifespan::models::verify_files(v.dir, *v.manifest));
    ASSERT_EQ(v.manifest->features.size(), feature_count);
    for (std::size_t i = 0; i < feature_count; ++i) EXPECT_EQ(v.manifest->features[i], feature_names[i]);
    EXPECT_EQ(v.manifest->metadata.at("feature_version"), feature_version);
    EXPECT_LT(fs::file_size(v.dir / v.manifest->entry), 1u << 20);
  }
  lifespan::models::manager_options mo;
  mo.root = root;
  mo.watch = false;
  mo.models["threat"].required = true;
  lifespan::models::loader_registry loaders;
  lifespan::models::add_xgboost_loader(loaders);
  lifespan::models::manager m(mo, loaders);
  m.start();
  ASSERT_TRUE(m.wait_ready(std::chrono::seconds(60)));
  EXPECT_EQ(m.acquire("threat").version(), versions.back().version);
}

}  // namespace
}  // namespace vigil
