#include <gtest/gtest.h>

#include <xgboost/c_api.h>

#include <atomic>
#include <fstream>
#include <cmath>
#include <thread>

#include "fixtures.hpp"
#include "lifespan/models/loader.hpp"
#include "lifespan/models/repository.hpp"

namespace lifespan::models {
namespace {
namespace fs = std::filesystem;
using testing::temp_dir;

std::unique_ptr<servable> load_version(const fs::path& root, const std::string& model, std::uint64_t version) {
  repository repo(root);
  auto v = repo.inspect(model, version);
  if (v.state != disk_state::complete) throw std::runtime_error(v.problem);
  loader_registry registry;
  add_xgboost_loader(registry);
  auto l = registry.make({model, version, v.dir, v.manifest});
  EXPECT_GT(l->estimate(), fs::file_size(v.dir / v.manifest->entry));
  auto s = l->load(steady()->now() + std::chrono::seconds(10), {});
  l->warmup(*s, *v.manifest, steady()->now() + std::chrono::seconds(10));
  return s;
}

TEST(ModelsXgboost, UbjAndJsonModelsGiveTheSameScoresAsTheRawCApi) {
  temp_dir root;
  for (std::string format : {"ubj", "json"}) {
    auto dir = testing::publish_xgboost(root.path, "m_" + format, 1, format);
    auto s = load_version(root.path, "m_" + format, 1);
    ASSERT_EQ(s->num_features(), testing::test_features);
    auto rows = testing::sample_rows(16);
    std::vector<float> scores;
    s->predict(rows, 16, scores);
    ASSERT_EQ(scores.size(), 16u);

    BoosterHandle raw = nullptr;
    ASSERT_EQ(XGBoosterCreate(nullptr, 0, &raw), 0);
    ASSERT_EQ(XGBoosterLoadModel(raw, (dir / ("model." + format)).c_str()), 0);
    DMatrixHandle dm = nullptr;
    ASSERT_EQ(XGDMatrixCreateFromMat(rows.data(), 16, testing::test_features, NAN, &dm), 0);
    bst_ulong len = 0;
    const float* out = nullptr;
    ASSERT_EQ(XGBoosterPredict(raw, dm, 0, 0, 0, &len, &out), 0);
    ASSERT_EQ(len, 16u);
    for (int i = 0; i < 16; ++i) EXPECT_FLOAT_EQ(scores[i], out[i]) << format << " row " << i;
    XGDMatrixFree(dm);
    XGBoosterFree(raw);
  }
}

TEST(ModelsXgboost, WrongRowWidthIsRejectedNotCrashed) {
  temp_dir root;
  testing::publish_xgboost(root.path, "m", 1);
  auto s = load_version(root.path, "m", 1);
  std::vector<float> scores;
  std::vector<float> rows(7, 0.5f);
  EXPECT_THROW(s->predict(rows, 2, scores), std::invalid_argument);
}

TEST(ModelsXgboost, NotAModelIsADeterministicError) {
  temp_dir root;
  fs::path dir = root.path / "m" / "1";
  fs::create_directories(dir);
  { std::ofstream(dir / "model.ubj") << "this is not an xgboost model"; }
  write_manifest(dir, "xgboost", "ubj", {"model.ubj"}, {});
  try {
    load_version(root.path, "m", 1);
    FAIL() << "loaded garbage";
  } catch (const load_error& e) {
    EXPECT_TRUE(e.deterministic());
    EXPECT_NE(std::string(e.what()).find("not a valid ubj model"), std::string::npos) << e.what();
  }
}

TEST(ModelsXgboost, SchemaWidthMismatchIsADeterministicError) {
  temp_dir root;
  fs::path dir = root.path / "m" / "1";
  fs::create_directories(dir);
  testing::train_xgboost(dir / "model.ubj");
  write_manifest(dir, "xgboost", "ubj", {"model.ubj"}, {"only", "two"});
  try {
    load_version(root.path, "m", 1);
    FAIL() << "schema mismatch accepted";
  } catch (const load_error& e) {
    EXPECT_TRUE(e.deterministic());
    EXPECT_NE(std::string(e.what()).find("the manifest's schema 2"), std::string::npos) << e.what();
  }
}

TEST(ModelsXgboost, UnknownLoaderNamesTheRegisteredOnes) {
  auto m = std::make_shared<manifest>();
  m->loader = "onnx";
  loader_registry registry;
  add_xgboost_loader(registry);
  try {
    registry.make({"m", 1, "/x", m});
    FAIL();
  } catch (const load_error& e) {
    EXPECT_TRUE(e.deterministic());
    EXPECT_NE(std::string(e.what()).find("registered loaders: xgboost"), std::string::npos) << e.what();
  }
}

// XGBoost >= 1.4 documents prediction as thread-safe on one booster (gbtree); check it on the installed
// version: every thread gets exactly the single-threaded scores.
TEST(ModelsXgboost, OneBoosterPredictsFromManyThreadsWithIdenticalResults) {
  temp_dir root;
  testing::publish_xgboost(root.path, "m", 1, "ubj", 20);
  auto s = load_version(root.path, "m", 1);
  auto rows = testing::sample_rows(32, 5);
  std::vector<float> expected;
  s->predict(rows, 32, expected);
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      std::vector<float> scores;
      for (int i = 0; i < 300; ++i) {
        std::size_t n = 1 + static_cast<std::size_t>((i + t) % 32);
        s->predict(std::span<const float>(rows.data(), n * testing::test_features), n, scores);
        for (std::size_t r = 0; r < n; ++r)
          if (scores[r] != expected[r]) ++mismatches;
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(mismatches.load(), 0);
  EXPECT_EQ(xgboost_version().substr(0, 2), "1.");
}

}  // namespace
}  // namespace lifespan::models
