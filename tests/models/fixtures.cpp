#include "fixtures.hpp"

#include <xgboost/c_api.h>

#include <unistd.h>

#include <atomic>
#include <cmath>
#include <random>
#include <stdexcept>

#include "lifespan/models/manifest.hpp"

namespace lifespan::models::testing {
namespace fs = std::filesystem;

namespace {
void check(int rc, const char* what) {
  if (rc != 0) throw std::runtime_error(std::string(what) + ": " + XGBGetLastError());
}
}  // namespace

temp_dir::temp_dir() {
  static std::atomic<int> counter{0};
  path = fs::temp_directory_path() /
         ("lifespan-models-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  fs::remove_all(path);
  fs::create_directories(path);
}

temp_dir::~temp_dir() {
  std::error_code ec;
  fs::remove_all(path, ec);
}

std::vector<float> sample_rows(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);
  std::vector<float> rows(n * test_features);
  for (auto& v : rows) v = d(rng);
  return rows;
}

void train_xgboost(const fs::path& file, int rounds, float bias, int depth) {
  const std::size_t n = 200;
  auto rows = sample_rows(n, 7);
  std::vector<float> labels(n);
  for (std::size_t i = 0; i < n; ++i)
    labels[i] = (rows[i * test_features] + 0.5f * rows[i * test_features + 1] + bias) > 0 ? 1.0f : 0.0f;
  DMatrixHandle train = nullptr;
  check(XGDMatrixCreateFromMat(rows.data(), n, test_features, NAN, &train), "XGDMatrixCreateFromMat");
  check(XGDMatrixSetFloatInfo(train, "label", labels.data(), n), "XGDMatrixSetFloatInfo");
  BoosterHandle booster = nullptr;
  check(XGBoosterCreate(&train, 1, &booster), "XGBoosterCreate");
  XGBoosterSetParam(booster, "objective", "binary:logistic");
  XGBoosterSetParam(booster, "max_depth", std::to_string(depth).c_str());
  XGBoosterSetParam(booster, "nthread", "1");
  XGBoosterSetParam(booster, "tree_method", "hist");
  for (int i = 0; i < rounds; ++i) check(XGBoosterUpdateOneIter(booster, i, train), "XGBoosterUpdateOneIter");
  check(XGBoosterSaveModel(booster, file.c_str()), "XGBoosterSaveModel");
  XGBoosterFree(booster);
  XGDMatrixFree(train);
}

fs::path publish_xgboost(const fs::path& root, const std::string& model, std::uint64_t version,
                         const std::string& format, int rounds, float bias, bool warmup) {
  fs::path dir = root / model / std::to_string(version);
  fs::create_directories(dir);
  std::string file = "model." + format;
  train_xgboost(dir / file, rounds, bias);
  std::vector<std::vector<float>> warm;
  if (warmup) {
    auto rows = sample_rows(2, 3);
    warm = {{rows.begin(), rows.begin() + test_features}, {rows.begin() + test_features, rows.end()}};
  }
  write_manifest(dir, "xgboost", format, {file}, {"f0", "f1", "f2", "f3"}, warm);
  return dir;
}

}  // namespace lifespan::models::testing
