// Real XGBoost models, swapped under load.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "fixtures.hpp"
#include "lifespan/models/manager.hpp"

namespace lifespan::models {
namespace {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Copies a trained model into a new version directory and writes its manifest last.
void publish_copy(const fs::path& root, const std::string& model, std::uint64_t version, const fs::path& trained) {
  auto dir = root / model / std::to_string(version);
  fs::create_directories(dir);
  fs::copy_file(trained, dir / "model.ubj", fs::copy_options::overwrite_existing);
  write_manifest(dir, "xgboost", "ubj", {"model.ubj"}, {"f0", "f1", "f2", "f3"});
}

struct ModelsSwap : ::testing::Test {
  testing::temp_dir root, scratch;
  manager_options opts;
  ModelsSwap() {
    opts.root = root.path;
    opts.watch = false;
    opts.rescan_interval = 1h;
    opts.models["scorer"].required = true;
  }
};

TEST_F(ModelsSwap, ManagerPredictionsMatchTheModelAndReadinessFollowsTheRequiredModel) {
  testing::publish_xgboost(root.path, "scorer", 1, "ubj", 10);
  loader_registry loaders;
  add_xgboost_loader(loaders);
  manager m(opts, std::move(loaders));
  m.start();
  ASSERT_TRUE(m.wait_ready(10s)) << m.not_ready().at(0);
  auto h = m.model("scorer").acquire();
  ASSERT_TRUE(h);
  auto rows = testing::sample_rows(8);
  std::vector<float> scores;
  h.predict(rows, 8, scores);
  ASSERT_EQ(scores.size(), 8u);
  for (float s : scores) {
    EXPECT_GT(s, 0.0f);
    EXPECT_LT(s, 1.0f);
  }
  auto show = m.show("scorer");
  EXPECT_GT((*show)["versions"][0]["measured_bytes"].get<std::uint64_t>(), 0u);
  EXPECT_EQ((*show)["versions"][0]["format"], "ubj");
}

// Readers predict continuously on a required model while a writer publishes a new version every
// 20 ms: no reader ever sees an empty handle or an error, and every replaced version is unloaded.
TEST_F(ModelsSwap, SwapEvery20msUnderLoadDropsNothingAndUnloadsEveryReplacedVersion) {
  fs::path trained[2] = {scratch.path / "a.ubj", scratch.path / "b.ubj"};
  testing::train_xgboost(trained[0], 10, 0.0f);
  testing::train_xgboost(trained[1], 10, 0.3f);
  publish_copy(root.path, "scorer", 1, trained[0]);
  loader_registry loaders;
  add_xgboost_loader(loaders);
  manager m(opts, std::move(loaders));
  m.start();
  ASSERT_TRUE(m.wait_ready(10s));
  auto scorer = m.model("scorer");

  std::atomic<bool> done{false};
  std::atomic<std::uint64_t> predictions{0}, nulls{0}, errors{0}, highest_seen{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t)
    readers.emplace_back([&, t] {
      auto rows = testing::sample_rows(4, 10 + t);
      std::vector<float> scores;
      while (!done.load(std::memory_order_relaxed)) {
        auto h = scorer.acquire();
        if (!h) {
          ++nulls;
          continue;
        }
        try {
          h.predict(rows, 4, scores);
          if (scores.size() != 4) ++errors;
        } catch (...) {
          ++errors;
        }
        ++predictions;
        for (auto v = highest_seen.load(); h.version() > v && !highest_seen.compare_exchange_weak(v, h.version());) {
        }
      }
    });

  std::uint64_t version = 1;
  auto next = std::chrono::steady_clock::now();
  auto until = next + 2s;
  while (std::chrono::steady_clock::now() < until) {
    next += 20ms;  // a fixed period, however long publishing takes
    std::this_thread::sleep_until(next);
    ++version;
    publish_copy(root.path, "scorer", version, trained[version % 2]);
    m.rescan();
  }
  ASSERT_TRUE(m.wait_for_state("scorer", version, version_state::ready, 10s)) << m.reason("scorer", version);
  std::this_thread::sleep_for(50ms);  // let the readers move on to the last version
  done = true;
  for (auto& r : readers) r.join();

  EXPECT_EQ(nulls.load(), 0u);
  EXPECT_EQ(errors.load(), 0u);
  EXPECT_GT(predictions.load(), 100u);
  EXPECT_EQ(highest_seen.load(), version);
  EXPECT_GT(version, 20u);
  // Every replaced version is unloaded: one live version is left.
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (m.live_versions() != 1 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(5ms);
  EXPECT_EQ(m.live_versions(), 1u);
  // The budget accounting is back to one version: every reaped version gave its bytes back.
  auto serving = (*m.show("scorer"))["versions"];
  std::uint64_t loaded_bytes = 0;
  for (auto& v : serving)
    if (v["state"] == "ready") loaded_bytes += v["measured_bytes"].get<std::uint64_t>();
  EXPECT_GT(loaded_bytes, 0u);
  EXPECT_EQ(m.used_bytes(), loaded_bytes);
  for (std::uint64_t v = 1; v < version; ++v) {
    auto s = m.state("scorer", v);
    // A version superseded while it was still queued was never loaded at all (latest 1).
    EXPECT_TRUE(s == version_state::unloaded || s == version_state::on_disk) << v << " " << to_string(*s);
  }
  std::cout << "[ swap ] " << version - 1 << " swaps, " << predictions.load() << " predictions, " << m.unloads()
            << " versions unloaded\n";
}

}  // namespace
}  // namespace lifespan::models
