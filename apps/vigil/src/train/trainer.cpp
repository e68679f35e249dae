#include "train/trainer.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <numeric>
#include <stdexcept>
#include <system_error>
#include <unistd.h>

#include "lifespan/models/manifest.hpp"
#include "lifespan/models/xgboost_library.hpp"

namespace vigil {
namespace fs = std::filesystem;
namespace {

// XGBoost is bound at run time (lifespan/models/xgboost_library.hpp): `vigil serve` without a model
// never loads it; training loads it here, or fails naming the package to install.
const lifespan::models::xgboost_library& xgb() { return lifespan::models::xgboost(); }

void check(int rc, const char* what) {
  if (rc != 0) {
    throw std::runtime_error(std::string("vigil train: XGBoost ") + what + " failed: " + xgb().last_error());
  }
}

struct dmatrix {
  DMatrixHandle h = nullptr;
  ~dmatrix() {
    if (h) xgb().XGDMatrixFree(h);
  }
};

double roc_auc(const std::vector<float>& scores, const std::vector<float>& y) {
  std::vector<std::size_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return scores[a] < scores[b]; });
  // Mann-Whitney U with average ranks for ties.
  double positive_rank_sum = 0, positives = 0;
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i;
    while (j < order.size() && scores[order[j]] == scores[order[i]]) ++j;
    const double rank = (double(i) + double(j - 1)) / 2.0 + 1.0;
    for (std::size_t k = i; k < j; ++k) {
      if (y[order[k]] > 0.5f) {
        positive_rank_sum += rank;
        positives += 1;
      }
    }
    i = j;
  }
  const double negatives = double(scores.size()) - positives;
  if (positives == 0 || negatives == 0) return 1.0;
  return (positive_rank_sum - positives * (positives + 1) / 2.0) / (positives * negatives);
}

}  // namespace

nlohmann::json model_quality::to_json() const {
  auto counts = [](const binary_counts& c) {
    return nlohmann::json{{"tp", c.tp}, {"fp", c.fp}, {"fn", c.fn}, {"tn", c.tn}, {"precision", c.precision()},
                          {"recall", c.recall()}};
  };
  nlohmann::json out{{"overall", counts(overall)}, {"auc", auc}};
  for (const auto& [label, c] : per_label) out["per_label"][label] = counts(c);
  return out;
}

trained_model::~trained_model() {
  if (booster_) xgb().XGBoosterFree(booster_);
}

std::vector<float> trained_model::predict(const float* rows, std::size_t n) const {
  if (n == 0) return {};
  dmatrix m;
  check(xgb().XGDMatrixCreateFromMat(rows, n, feature_count, std::numeric_limits<float>::quiet_NaN(), &m.h),
        "XGDMatrixCreateFromMat");
  bst_ulong len = 0;
  const float* out = nullptr;
  check(xgb().XGBoosterPredict(booster_, m.h, 0, 0, 0, &len, &out), "XGBoosterPredict");
  return std::vector<float>(out, out + len);
}

void trained_model::save(const fs::path& file) const { check(xgb().XGBoosterSaveModel(booster_, file.c_str()), "save"); }

trained_model train_model(const dataset& train, const train_options& o) {
  if (train.rows() == 0) throw std::runtime_error("vigil train: no training rows (is the input labelled? see vigil gen --labelled)");
  const auto positives = std::count(train.y.begin(), train.y.end(), 1.0f);
  if (positives == 0 || positives == static_cast<std::ptrdiff_t>(train.rows()))
    throw std::runtime_error("vigil train: the training rows hold one class only (" + std::to_string(positives) +
                             " attacks in " + std::to_string(train.rows()) + " rows); generate with --attack-share > 0");
  dmatrix m;
  check(xgb().XGDMatrixCreateFromMat(train.x.data(), train.rows(), feature_count, std::numeric_limits<float>::quiet_NaN(),
                               &m.h),
        "XGDMatrixCreateFromMat");
  check(xgb().XGDMatrixSetFloatInfo(m.h, "label", train.y.data(), train.rows()), "XGDMatrixSetFloatInfo");
  BoosterHandle booster = nullptr;
  check(xgb().XGBoosterCreate(&m.h, 1, &booster), "XGBoosterCreate");
  trained_model model(booster);
  auto set = [&](const char* k, const std::string& v) { check(xgb().XGBoosterSetParam(booster, k, v.c_str()), k); };
  set("objective", "binary:logistic");
  set("eval_metric", "auc");
  set("tree_method", "hist");
  set("max_depth", std::to_string(o.max_depth));
  set("eta", std::to_string(o.eta));
  set("nthread", std::to_string(o.threads));
  set("seed", std::to_string(o.seed));
  set("verbosity", "0");
  for (int i = 0; i < o.rounds; ++i) check(xgb().XGBoosterUpdateOneIter(booster, i, m.h), "XGBoosterUpdateOneIter");
  return model;
}

model_quality evaluate(const trained_model& model, const dataset& test, double threshold) {
  model_quality q;
  const auto scores = model.predict(test.x.data(), test.rows());
  for (std::size_t i = 0; i < scores.size(); ++i) {
    const bool truth = test.y[i] > 0.5f, said = scores[i] >= threshold;
    auto& c = q.per_label[test.labels[test.label[i]]];
    for (auto* k : {&q.overall, &c}) {
      if (truth) ++(said ? k->tp : k->fn);
      else ++(said ? k->fp : k->tn);
    }
  }
  q.auc = roc_auc(scores, test.y);
  return q;
}

publish_result publish_model(const trained_model& model, const fs::path& root, const std::string& name,
                             std::uint64_t version, nlohmann::json metadata, const dataset* warmup,
                             std::size_t warmup_rows) {
  const fs::path model_dir = root / name;
  std::error_code ec;
  fs::create_directories(model_dir, ec);
  if (ec) throw std::runtime_error("vigil train: cannot create " + model_dir.string() + ": " + ec.message());
  if (version == 0) {
    for (const auto& entry : fs::directory_iterator(model_dir)) {
      const auto n = entry.path().filename().string();
      std::uint64_t v = 0;
      auto [end, err] = std::from_chars(n.data(), n.data() + n.size(), v);
      if (err == std::errc() && end == n.data() + n.size()) version = std::max(version, v);
    }
    ++version;
  }
  const fs::path final_dir = model_dir / std::to_string(version);
  if (fs::exists(final_dir))
    throw std::runtime_error("vigil train: " + final_dir.string() +
                             " already exists; pick another --version or omit it for the next free one");
  const fs::path staging = model_dir / (".incoming-" + std::to_string(version) + "-" + std::to_string(::getpid()));
  fs::remove_all(staging);
  fs::create_directories(staging);
  try {
    model.save(staging / "model.ubj");
    lifespan::models::manifest m;
    m.loader = "xgboost";
    m.format = "ubj";
    m.entry = "model.ubj";
    m.files.push_back({"model.ubj", lifespan::models::sha256_file(staging / "model.ubj"),
                       static_cast<std::uint64_t>(fs::file_size(staging / "model.ubj"))});
    for (auto n : feature_names) m.features.emplace_back(n);
    if (warmup) {
      for (std::size_t i = 0; i < std::min(warmup_rows, warmup->rows()); ++i)
        m.warmup.emplace_back(warmup->row(i), warmup->row(i) + feature_count);
    }
    m.metadata = std::move(metadata);
    {
      std::ofstream out(staging / lifespan::models::manifest_name);
      out << m.to_json().dump(2) << "\n";
      if (!out) throw std::runtime_error("cannot write the manifest");
    }
    // The models area's own checks, before the version becomes visible.
    lifespan::models::verify_files(staging, lifespan::models::read_manifest(staging));
    fs::rename(staging, final_dir);
  } catch (const std::exception& e) {
    fs::remove_all(staging, ec);
    throw std::runtime_error("vigil train: cannot publish " + final_dir.string() + ": " + e.what());
  }
  return {version, final_dir};
}

}  // namespace vigil
