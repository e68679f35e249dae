#pragma once
// Trains the threat model (XGBoost C API, binary:logistic on the feature vector) and publishes it as a
// model version in the layout the models area loads (include/lifespan/models/manifest.hpp):
//
//   <root>/<model>/.incoming-<version>-<pid>/ model.ubj + manifest.json   (written, checked)
//   rename -> <root>/<model>/<version>/                                    (one atomic step)
//
// so a watching manager never sees a half-written version (it ignores non-numeric directories).
// The manifest's feature schema is feature_names; metadata records the feature version, the training
// parameters, the data and the held-out figures. Training is deterministic for a given dataset,
// options and XGBoost build (hist trees, no subsampling), so a fixed seed reproduces the model file.
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "train/dataset.hpp"

namespace vigil {

struct train_options {
  int rounds = 40;
  int max_depth = 5;
  double eta = 0.3;
  int threads = 1;  // more only on an idle machine: OpenMP spin-waits when the cores are shared
  std::uint64_t seed = 1;
  double threshold = 0.5;  // score at or above which a row counts as an attack in the figures
};

// Binary confusion counts at one threshold.
struct binary_counts {
  std::uint64_t tp = 0, fp = 0, fn = 0, tn = 0;
  double precision() const { return tp + fp == 0 ? 1.0 : double(tp) / double(tp + fp); }
  double recall() const { return tp + fn == 0 ? 1.0 : double(tp) / double(tp + fn); }
};

struct model_quality {
  binary_counts overall;
  double auc = 0;                              // ROC AUC on the rows scored
  std::map<std::string, binary_counts> per_label;  // benign: tn/fp; a category: tp/fn (and its recall)
  nlohmann::json to_json() const;
};

// An owned XGBoost booster. Not thread-safe (training and saving); serving goes through the models area.
class trained_model {
 public:
  trained_model() = default;
  explicit trained_model(void* booster) : booster_(booster) {}
  trained_model(trained_model&& o) noexcept : booster_(o.booster_) { o.booster_ = nullptr; }
  trained_model& operator=(trained_model&&) = delete;
  ~trained_model();

  // Scores rows * feature_count values (NaN: missing).
  std::vector<float> predict(const float* rows, std::size_t n) const;
  // Saves as UBJ (".ubj") or JSON (".json"), by the file name.
  void save(const std::filesystem::path& file) const;

 private:
  void* booster_ = nullptr;
};

// Throws std::runtime_error naming the XGBoost error when training fails (an empty set, one class only).
trained_model train_model(const dataset& train, const train_options& options);
model_quality evaluate(const trained_model& model, const dataset& test, double threshold);

struct publish_result {
  std::uint64_t version = 0;
  std::filesystem::path dir;
};

// Writes a complete version into `root`/`model`/: `version` 0 picks one past the highest numeric version
// there. `warmup_rows` (up to that many) are taken from `warmup`'s first rows. Throws std::runtime_error
// naming the directory and the cause (the version exists, the root is not writable).
publish_result publish_model(const trained_model& model, const std::filesystem::path& root, const std::string& name,
                             std::uint64_t version, nlohmann::json metadata, const dataset* warmup = nullptr,
                             std::size_t warmup_rows = 0);

}  // namespace vigil
