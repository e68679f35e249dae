// The XGBoost loader, on the library's C API (Debian's libxgboost-dev, 1.7.4), bound at run time
// (xgboost_library.hpp): the library is loaded when a manifest first names this loader.
//
// Thread-safety of prediction: since XGBoost 1.4 every prediction function is thread-safe for the
// gbtree and dart boosters (doc/prediction.rst, "Thread Safety"). In 1.7 XGBoosterPredictFromDense
// keeps its output in a buffer local to the calling thread and the booster, so one booster is shared
// by every request thread; we copy the output before returning. Anything other than prediction
// (setting parameters, saving) is done here, before the booster is published.
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <system_error>

#include "lifespan/models/loader.hpp"
#include "lifespan/models/xgboost_library.hpp"

namespace lifespan::models {
namespace {

// The library, loaded on the first load of an xgboost model; a missing package fails that load with the fix.
const xgboost_library& library() {
  try {
    return xgboost();
  } catch (const std::runtime_error& e) {
    throw load_error(std::string("xgboost loader: ") + e.what(), true);
  }
}

class xgboost_servable final : public servable {
 public:
  xgboost_servable(const xgboost_library& x, BoosterHandle booster, std::size_t features, std::size_t bytes)
      : x_(x), booster_(booster), features_(features), bytes_(bytes) {}
  ~xgboost_servable() override { x_.XGBoosterFree(booster_); }

  std::size_t num_features() const noexcept override { return features_; }
  std::size_t bytes() const noexcept override { return bytes_; }

  void predict(std::span<const float> rows, std::size_t n_rows, std::vector<float>& scores) const override {
    if (n_rows == 0) {
      scores.clear();
      return;
    }
    if (rows.size() != n_rows * features_)
      throw std::invalid_argument("expected " + std::to_string(n_rows * features_) + " values (" +
                                  std::to_string(n_rows) + " rows x " + std::to_string(features_) +
                                  " features), got " + std::to_string(rows.size()));
    char array[160];
    std::snprintf(array, sizeof array,
                  "{\"data\":[%" PRIuPTR ",true],\"shape\":[%zu,%zu],\"strides\":null,\"typestr\":\"<f4\","
                  "\"version\":3}",
                  reinterpret_cast<std::uintptr_t>(rows.data()), n_rows, features_);
    static constexpr const char* config =
        "{\"type\":0,\"training\":false,\"iteration_begin\":0,\"iteration_end\":0,\"strict_shape\":false,"
        "\"missing\":NaN,\"cache_id\":0}";
    const bst_ulong* shape = nullptr;
    bst_ulong dims = 0;
    const float* out = nullptr;
    if (x_.XGBoosterPredictFromDense(booster_, array, config, nullptr, &shape, &dims, &out) != 0)
      throw std::runtime_error(std::string("XGBoost prediction failed: ") + x_.last_error());
    std::size_t n = 1;
    for (bst_ulong i = 0; i < dims; ++i) n *= shape[i];
    scores.assign(out, out + n);
  }

 private:
  const xgboost_library& x_;
  BoosterHandle booster_;
  std::size_t features_;
  std::size_t bytes_;
};

class xgboost_loader final : public loader {
 public:
  explicit xgboost_loader(load_source s) : source_(std::move(s)) {
    format_ = source_.manifest->format;
    if (format_.empty()) format_ = source_.manifest->entry.ends_with(".json") ? "json" : "ubj";
    if (format_ != "ubj" && format_ != "json")
      throw load_error(source_.dir.string() + ": xgboost loader: unknown format '" + format_ +
                           "'; use \"ubj\" (preferred, ~10x faster to load) or \"json\"",
                       true);
  }

  std::size_t estimate() const override {
    std::error_code ec;
    auto size = std::filesystem::file_size(source_.entry(), ec);
    if (ec) return 0;
    // Trees in memory take about the UBJ size; parsing JSON needs a transient document several times
    // larger than the file.
    return static_cast<std::size_t>(size) * (format_ == "json" ? 4 : 2) + 256 * 1024;
  }

  std::unique_ptr<servable> load(time_point deadline, std::stop_token stop) override {
    (void)deadline;
    if (stop.stop_requested()) throw load_error("load cancelled before it began", false);
    const xgboost_library& x = library();
    BoosterHandle booster = nullptr;
    if (x.XGBoosterCreate(nullptr, 0, &booster) != 0)
      throw load_error(std::string("XGBoosterCreate failed: ") + x.last_error(), false);
    auto fail = [&](const std::string& what, bool deterministic) {
      x.XGBoosterFree(booster);
      throw load_error(source_.entry().string() + ": " + what, deterministic);
    };
    // XGBoost picks the parser from the file name: ".json" is JSON, anything else UBJ or legacy binary.
    if (x.XGBoosterLoadModel(booster, source_.entry().c_str()) != 0)
      fail(std::string("XGBoost cannot load the model (") + x.last_error() + "); the file is not a valid " + format_ +
               " model",
           true);
    // One thread per prediction: request threads give the parallelism, and batch-1 latency is best so.
    if (x.XGBoosterSetParam(booster, "nthread", "1") != 0)
      fail(std::string("cannot set nthread: ") + x.last_error(), false);
    bst_ulong features = 0;
    if (x.XGBoosterGetNumFeature(booster, &features) != 0)
      fail(std::string("cannot read the feature count: ") + x.last_error(), true);
    const auto& schema = source_.manifest->features;
    if (!schema.empty() && schema.size() != features)
      fail("the model has " + std::to_string(features) + " features, the manifest's schema " +
               std::to_string(schema.size()) + "; fix the manifest's \"features\"",
           true);
    // No XGBoosterSaveModelToBuffer here to size the model: its output stays in a thread-local map of
    // the calling thread keyed by the booster, held until XGBoosterFree runs on this same thread (the
    // manager does destroy versions on their load thread, but a copy of the model would stay resident
    // all that time). The manager measures the allocator instead.
    if (stop.stop_requested()) fail("load cancelled", false);
    return std::make_unique<xgboost_servable>(x, booster, features, 0);
  }

 private:
  load_source source_;
  std::string format_;
};

}  // namespace

void add_xgboost_loader(loader_registry& registry) {
  registry.add("xgboost", [](const load_source& s) { return std::make_unique<xgboost_loader>(s); });
}

std::string xgboost_version() {
  int major = 0, minor = 0, patch = 0;
  xgboost().XGBoostVersion(&major, &minor, &patch);
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

}  // namespace lifespan::models
