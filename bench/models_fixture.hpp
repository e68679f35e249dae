#pragma once
// Shared by the models benchmarks: a model trained through the XGBoost C API (the reference size:
// 100 trees, depth 6, 20 features, binary:logistic), published into a temporary repository.
#include <xgboost/c_api.h>

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "lifespan/models/manifest.hpp"

namespace models_bench {
namespace fs = std::filesystem;

inline constexpr std::size_t features = 20;

inline std::vector<float> rows(std::size_t n, unsigned seed = 1) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);
  std::vector<float> out(n * features);
  for (auto& v : out) v = d(rng);
  return out;
}

inline void check(int rc, const char* what) {
  if (rc != 0) throw std::runtime_error(std::string(what) + ": " + XGBGetLastError());
}

inline void train(const fs::path& file, int trees = 100, int depth = 6, std::size_t n = 5000) {
  auto x = rows(n, 7);
  std::vector<float> y(n);
  for (std::size_t i = 0; i < n; ++i) y[i] = (x[i * features] + x[i * features + 3] * x[i * features + 5]) > 0 ? 1.0f : 0.0f;
  DMatrixHandle dm = nullptr;
  check(XGDMatrixCreateFromMat(x.data(), n, features, NAN, &dm), "XGDMatrixCreateFromMat");
  check(XGDMatrixSetFloatInfo(dm, "label", y.data(), n), "label");
  BoosterHandle b = nullptr;
  check(XGBoosterCreate(&dm, 1, &b), "XGBoosterCreate");
  XGBoosterSetParam(b, "objective", "binary:logistic");
  XGBoosterSetParam(b, "max_depth", std::to_string(depth).c_str());
  XGBoosterSetParam(b, "tree_method", "hist");
  for (int i = 0; i < trees; ++i) check(XGBoosterUpdateOneIter(b, i, dm), "XGBoosterUpdateOneIter");
  check(XGBoosterSaveModel(b, file.c_str()), "XGBoosterSaveModel");
  XGBoosterFree(b);
  XGDMatrixFree(dm);
}

struct repo {
  fs::path root = fs::temp_directory_path() / ("lifespan-models-bench-" + std::to_string(::getpid()));
  fs::path trained = root / "trained.ubj";
  repo() {
    fs::remove_all(root);
    fs::create_directories(root / "models");
    train(trained);
  }
  ~repo() { fs::remove_all(root); }
  fs::path models() const { return root / "models"; }
  void publish(const std::string& model, std::uint64_t version) const {
    auto dir = models() / model / std::to_string(version);
    fs::create_directories(dir);
    fs::copy_file(trained, dir / "model.ubj", fs::copy_options::overwrite_existing);
    std::vector<std::string> names;
    for (std::size_t i = 0; i < features; ++i) names.push_back("f" + std::to_string(i));
    lifespan::models::write_manifest(dir, "xgboost", "ubj", {"model.ubj"}, names);
  }
  void remove(const std::string& model, std::uint64_t version) const {
    fs::remove_all(models() / model / std::to_string(version));
  }
};

// Resident set size in KiB (/proc/self/statm).
inline long rss_kib() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

}  // namespace models_bench
