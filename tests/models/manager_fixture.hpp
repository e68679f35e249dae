#pragma once
// The manager under test with the fake loader, an explicit rescan (no inotify, no background timers:
// tests call rescan() and tick() themselves), and helpers.
#include <gtest/gtest.h>

#include "fake_loader.hpp"
#include "fixtures.hpp"
#include "lifespan/models/manager.hpp"

namespace lifespan::models {
using namespace std::chrono_literals;
using testing::fake_behaviour;
using testing::publish_fake;

constexpr auto wait = 10000ms;  // generous: a loaded 2-core machine

struct ModelsManager : ::testing::Test {
  testing::temp_dir root;
  std::shared_ptr<testing::fake_script> script = std::make_shared<testing::fake_script>();
  manager_options opts;
  std::unique_ptr<manager> m;

  ModelsManager() {
    opts.root = root.path;
    opts.watch = false;
    opts.rescan_interval = 1h;
    opts.housekeeping_interval = 1h;  // tests call tick() themselves
  }
  void start() {
    m = std::make_unique<manager>(opts, testing::fake_registry(script));
    m->start();
  }
  std::uint64_t serving(const std::string& model) {
    auto h = m->acquire(model);
    return h ? h.version() : 0;
  }
  static float score(const handle& h) {
    std::vector<float> rows{1, 2}, scores;
    h.predict(rows, 1, scores);
    return scores.at(0);
  }
};

}  // namespace lifespan::models
