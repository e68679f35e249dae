#pragma once
// A scripted loader for policy tests: per (model, version) latency, size, transient or deterministic
// failures, and hangs (until the stop token or the deadline, on the manager's clock). Its servable
// scores every row with the version number, so a test sees which version answered.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include "lifespan/models/loader.hpp"

namespace lifespan::models::testing {

struct fake_behaviour {
  std::chrono::milliseconds latency{0};
  std::size_t bytes = 1000;
  int transient_failures = 0;       // the first N loads fail (transient)
  bool deterministic_failure = false;
  bool hang = false;                // until stop is requested or the deadline passes
};

struct fake_script {
  std::shared_ptr<clock> clk = steady();
  std::mutex mu;
  std::map<std::pair<std::string, std::uint64_t>, fake_behaviour> behaviours;
  std::map<std::pair<std::string, std::uint64_t>, int> loads;  // attempts per version
  std::atomic<int> total_loads{0};
  std::atomic<int> concurrent{0};
  std::atomic<int> max_concurrent{0};
  std::atomic<int> alive{0};  // servables not destroyed
  std::atomic<int> destroyed_on_other_thread{0};  // servables destroyed off the thread that built them

  void set(const std::string& model, std::uint64_t v, fake_behaviour b) {
    std::lock_guard lock(mu);
    behaviours[{model, v}] = b;
  }
  int loads_of(const std::string& model, std::uint64_t v) {
    std::lock_guard lock(mu);
    return loads[{model, v}];
  }
};

class fake_servable final : public servable {
 public:
  fake_servable(std::shared_ptr<fake_script> s, std::uint64_t v, std::size_t features, std::size_t bytes)
      : script_(std::move(s)), version_(v), features_(features), bytes_(bytes) {
    script_->alive++;
  }
  ~fake_servable() override {
    if (std::this_thread::get_id() != built_on_) script_->destroyed_on_other_thread++;
    script_->alive--;
  }
  std::size_t num_features() const noexcept override { return features_; }
  std::size_t bytes() const noexcept override { return bytes_; }
  void predict(std::span<const float> rows, std::size_t n, std::vector<float>& scores) const override {
    if (rows.size() != n * features_) throw std::invalid_argument("bad width");
    scores.assign(n, static_cast<float>(version_));
  }

 private:
  std::shared_ptr<fake_script> script_;
  std::uint64_t version_;
  std::size_t features_, bytes_;
  std::thread::id built_on_ = std::this_thread::get_id();
};

class fake_loader final : public loader {
 public:
  fake_loader(std::shared_ptr<fake_script> s, load_source src) : script_(std::move(s)), src_(std::move(src)) {
    std::lock_guard lock(script_->mu);
    b_ = script_->behaviours[{src_.model, src_.version}];
  }
  std::size_t estimate() const override { return b_.bytes; }
  std::unique_ptr<servable> load(time_point deadline, std::stop_token stop) override {
    int attempt;
    {
      std::lock_guard lock(script_->mu);
      attempt = ++script_->loads[{src_.model, src_.version}];
    }
    script_->total_loads++;
    int now = ++script_->concurrent;
    for (int m = script_->max_concurrent.load(); now > m && !script_->max_concurrent.compare_exchange_weak(m, now);) {
    }
    struct leave {
      fake_script& s;
      ~leave() { s.concurrent--; }
    } guard{*script_};
    if (b_.latency.count() > 0) std::this_thread::sleep_for(b_.latency);
    if (b_.hang) {
      while (!stop.stop_requested() && script_->clk->now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      throw load_error(stop.stop_requested() ? "fake hang: stopped" : "fake hang: deadline passed", false);
    }
    if (b_.deterministic_failure) throw load_error("fake: parse error in model file", true);
    if (attempt <= b_.transient_failures) throw load_error("fake: transient I/O error", false);
    return std::make_unique<fake_servable>(script_, src_.version, src_.manifest->features.size(), b_.bytes);
  }

 private:
  std::shared_ptr<fake_script> script_;
  load_source src_;
  fake_behaviour b_;
};

inline loader_registry fake_registry(std::shared_ptr<fake_script> script) {
  loader_registry r;
  r.add("fake", [script](const load_source& s) { return std::make_unique<fake_loader>(script, s); });
  return r;
}

// <root>/<model>/<version>/weights.bin + manifest.json (loader "fake", two features).
inline std::filesystem::path publish_fake(const std::filesystem::path& root, const std::string& model,
                                          std::uint64_t version) {
  auto dir = root / model / std::to_string(version);
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "weights.bin") << model << version;
  write_manifest(dir, "fake", "bin", {"weights.bin"}, {"a", "b"});
  return dir;
}

}  // namespace lifespan::models::testing
