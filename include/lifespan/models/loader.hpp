#pragma once
// Loaders turn a complete version directory into a servable, one loader class per format.
//
// Adding a format (docs/models.md has a worked example):
//   1. derive from `servable` (predict() must be safe from many threads at once, on one instance);
//   2. derive from `loader`: the constructor is cheap (no I/O beyond what estimate() needs), estimate()
//      returns an upper bound of the bytes load() will allocate, load() does the work, checking its
//      deadline and stop token between steps, and throws load_error (deterministic for bad files);
//   3. registry.add("myformat", [](const load_source& s) { return std::make_unique<my_loader>(s); })
//      and name it in the manifest: "loader": "myformat".
//
// Threads: a loader instance is used by one load thread, once (construct, estimate, load, warmup),
// then destroyed. The servable it produced lives on, shared by request threads, until it is destroyed
// after the last handle is released: by that same load thread when it is free, so a library's state
// kept for the creating thread and keyed by the object (XGBoost's) is released with it; by the reaper
// when that thread is busy inside another load.
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <stop_token>
#include <string>
#include <vector>

#include "lifespan/core/clock.hpp"
#include "lifespan/models/manifest.hpp"

namespace lifespan::models {

// A loaded model version, shared by all request threads.
class servable {
 public:
  virtual ~servable() = default;
  // Columns per row the model expects.
  virtual std::size_t num_features() const noexcept = 0;
  // `rows` holds n_rows * num_features() values, row-major; NaN means missing. Writes one score per
  // row (or per row and class) into `scores`, resizing it. Thread-safe. Throws std::runtime_error on
  // failure (the caller counts it as an error of this version).
  virtual void predict(std::span<const float> rows, std::size_t n_rows, std::vector<float>& scores) const = 0;
  // Bytes this servable holds, when it knows better than the manager's allocator measurement; 0 if not.
  virtual std::size_t bytes() const noexcept { return 0; }
};

// What a loader is given: which version, where, and its verified manifest.
struct load_source {
  std::string model;
  std::uint64_t version = 0;
  std::filesystem::path dir;
  std::shared_ptr<const models::manifest> manifest;
  std::filesystem::path entry() const { return dir / manifest->entry; }
};

class loader {
 public:
  virtual ~loader() = default;
  // Upper bound of the bytes load() will need; used for the memory budget before anything is loaded.
  virtual std::size_t estimate() const = 0;
  // Loads the version. Must give up (throw load_error, transient) once `stop` is requested or the
  // deadline has passed, at the latest between steps.
  virtual std::unique_ptr<servable> load(time_point deadline, std::stop_token stop) = 0;
  // Runs before the version is published. The default predicts the manifest's warm-up rows (if any).
  virtual void warmup(servable& s, const manifest& m, time_point deadline);
};

using loader_factory = std::function<std::unique_ptr<loader>(const load_source&)>;

// Loader factories by name (the manifest's "loader"). Fill before the manager starts; read-only after.
class loader_registry {
 public:
  void add(std::string name, loader_factory make) { factories_[std::move(name)] = std::move(make); }
  bool has(const std::string& name) const { return factories_.count(name) != 0; }
  // Throws a deterministic load_error naming the known loaders when `source`'s loader is unknown.
  std::unique_ptr<loader> make(const load_source& source) const;
  std::vector<std::string> names() const;

 private:
  std::map<std::string, loader_factory> factories_;
};

// Registers "xgboost" (formats "ubj" and "json", decided by the manifest's format or the file suffix).
void add_xgboost_loader(loader_registry& registry);

// The XGBoost library version, "1.7.4".
std::string xgboost_version();

}  // namespace lifespan::models
