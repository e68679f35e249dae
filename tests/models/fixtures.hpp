#pragma once
// Test fixtures: real XGBoost models trained through the C API (a few ms each) and published into a
// temporary repository the way a deployment would (files first, manifest last).
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace lifespan::models::testing {

// A fresh directory under the system temp dir, removed by the destructor.
struct temp_dir {
  temp_dir();
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  std::filesystem::path path;
};

inline constexpr std::size_t test_features = 4;

// Trains a binary:logistic model on synthetic rows; `bias` shifts the labels so that different
// versions give different scores. Writes `file` (".json" gives JSON, anything else UBJ).
void train_xgboost(const std::filesystem::path& file, int rounds = 5, float bias = 0.0f, int depth = 3);

// <root>/<model>/<version>/model.<format> plus manifest.json (written last). Returns the version dir.
std::filesystem::path publish_xgboost(const std::filesystem::path& root, const std::string& model,
                                      std::uint64_t version, const std::string& format = "ubj", int rounds = 5,
                                      float bias = 0.0f, bool warmup = true);

// Rows for prediction: n rows of test_features values, deterministic.
std::vector<float> sample_rows(std::size_t n, unsigned seed = 1);

}  // namespace lifespan::models::testing
