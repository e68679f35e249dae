#include <gtest/gtest.h>

#include <sys/resource.h>

#include <cerrno>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include "manager_fixture.hpp"

namespace lifespan::models {
namespace {
namespace fs = std::filesystem;

TEST_F(ModelsManager, LatestOnePublishesNewestAndOldVersionFinishesInFlightRequests) {
  publish_fake(root.path, "m", 1);
  start();
  ASSERT_TRUE(m->wait_for_state("m", 1, version_state::ready, wait)) << m->reason("m", 1);
  handle old = m->acquire("m");
  ASSERT_TRUE(old);
  EXPECT_EQ(score(old), 1.0f);

  publish_fake(root.path, "m", 2);
  m->rescan();
  ASSERT_TRUE(m->wait_for_state("m", 2, version_state::ready, wait)) << m->reason("m", 2);
  EXPECT_EQ(serving("m"), 2u);
  // v1 is unpublished but the request holding it finishes on it.
  EXPECT_EQ(m->state("m", 1), version_state::draining);
  EXPECT_EQ(score(old), 1.0f);
  EXPECT_EQ(script->alive.load(), 2);
  old.reset();  // the last release: v1 is unloaded (on the load thread that built it)
  ASSERT_TRUE(m->wait_for_state("m", 1, version_state::unloaded, wait));
  EXPECT_NE(m->reason("m", 1).find("superseded by version 2"), std::string::npos) << m->reason("m", 1);
  EXPECT_EQ(script->alive.load(), 1);
  EXPECT_EQ(m->live_versions(), 1u);
}

TEST_F(ModelsManager, LatestTwoAndSpecificPolicies) {
  for (int v = 1; v <= 3; ++v) {
    publish_fake(root.path, "two", v);
    publish_fake(root.path, "pick", v);
  }
  opts.models["two"].policy = version_policy::latest_n(2);
  opts.models["pick"].policy = version_policy::only({1});
  start();
  ASSERT_TRUE(m->wait_for_state("two", 3, version_state::ready, wait));
  ASSERT_TRUE(m->wait_for_state("two", 2, version_state::ready, wait));
  ASSERT_TRUE(m->wait_for_state("pick", 1, version_state::ready, wait));
  EXPECT_EQ(m->state("two", 1), version_state::on_disk);
  EXPECT_EQ(m->state("pick", 3), version_state::on_disk);
  EXPECT_EQ(serving("two"), 3u);
  EXPECT_EQ(serving("pick"), 1u);
  EXPECT_TRUE(m->acquire_version("two", 2));
  EXPECT_FALSE(m->acquire_version("two", 1));
}

TEST_F(ModelsManager, DeterministicFailureKeepsCurrentVersionAndIsNotRetried) {
  publish_fake(root.path, "m", 1);
  start();
  ASSERT_TRUE(m->wait_for_state("m", 1, version_state::ready, wait));
  script->set("m", 2, {.deterministic_failure = true});
  publish_fake(root.path, "m", 2);
  m->rescan();
  ASSERT_TRUE(m->wait_for_state("m", 2, version_state::failed, wait));
  EXPECT_NE(m->reason("m", 2).find("parse error"), std::string::npos) << m->reason("m", 2);
  EXPECT_NE(m->reason("m", 2).find("not retried"), std::string::npos) << m->reason("m", 2);
  EXPECT_EQ(serving("m"), 1u);
  EXPECT_EQ(m->state("m", 1), version_state::ready);
  m->tick();
  m->rescan();
  std::this_thread::sleep_for(50ms);  // nothing to await: assert that no retry happens
  EXPECT_EQ(script->loads_of("m", 2), 1);
}

TEST_F(ModelsManager, TransientFailureIsRetriedWithBackoffOnTheInjectedClock) {
  auto clk = std::make_shared<manual_clock>();
  opts.clock = clk;
  opts.defaults.retry_initial = 10s;
  publish_fake(root.path, "m", 1);
  script->set("m", 1, {.transient_failures = 2});
  start();
  ASSERT_TRUE(m->wait_for_state("m", 1, version_state::failed, wait));
  EXPECT_NE(m->reason("m", 1).find("retry 2/5 in 10000 ms"), std::string::npos) << m->reason("m", 1);
  clk->advance(9s);
  m->tick();
  EXPECT_EQ(m->state("m", 1), version_state::failed);
  clk->advance(1s);
  m->tick();
  ASSERT_TRUE(m->wait_for_state("m", 1, version_state::failed, wait));
  ASSERT_TRUE(m->wait_for_state("m", 1, version_state::failed, wait));
  EXPECT_NE(m->reason("m", 1).find("in 20000 ms"), std::string::npos) << m->reason("m", 1);  // doubled
  clk->advance(20s);
  m->tick();
  ASSERT_TRUE(m->wait_for_state("m", 1, version_state::ready, wait)) << m->reason("m", 1);
  EXPECT_EQ(script->loads_of("m", 1), 3);
}

TEST_F(ModelsManager, RequiredModelGatesReadinessOptionalNever) {
  opts.models["req"].required = true;
  opts.models["opt"];
  start();
  EXPECT_FALSE(m->ready());
  ASSERT_EQ(m->not_ready().size(), 1u);
  EXPECT_NE(m->not_ready()[0].find("'req'"), std::string::npos) << m->not_ready()[0];
  publish_fake(root.path, "req", 1);
  m->rescan();
  EXPECT_TRUE(m->wait_ready(wait));
  EXPECT_FALSE(m->acquire("opt"));  // optional and absent: callers fall back, readiness holds
  EXPECT_TRUE(m->ready());
}

TEST_F(ModelsManager, RequiredModelsLastVersionCannotBeUnloaded) {
  opts.models["req"].required = true;
  publish_fake(root.path, "req", 1);
  start();
  ASSERT_TRUE(m->wait_ready(wait));
  auto o = m->unload("req", 1);
  EXPECT_EQ(o.code, 409);
  EXPECT_NE(o.reason.find("would make the service unready"), std::string::npos) << o.reason;
  EXPECT_TRUE(m->ready());
  EXPECT_EQ(m->unload("nope").code, 404);
  EXPECT_EQ(m->unload("req", 9).code, 404);
}

// The nice value of this process's thread named `name` (field 19 of /proc/self/task/<tid>/stat), or
// nullopt when there is no such thread.
std::optional<int> nice_of_thread(const std::string& name) {
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::string comm;
    std::getline(std::ifstream(task.path() / "comm"), comm);
    if (comm != name) continue;
    std::string stat;
    std::getline(std::ifstream(task.path() / "stat"), stat);
    std::istringstream rest(stat.substr(stat.rfind(')') + 2));  // after "pid (comm) "
    std::string field;
    for (int i = 3; i <= 19 && rest >> field; ++i) {
    }
    return std::stoi(field);
  }
  return std::nullopt;
}

TEST_F(ModelsManager, LoadThreadsAreNamedAndYieldTheCpuByLoadNice) {
  opts.load_threads = 2;
  opts.load_nice = 7;
  publish_fake(root.path, "m", 1);
  start();
  ASSERT_TRUE(m->wait_for_state("m", 1, version_state::ready, wait));
  errno = 0;
  int process_nice = getpriority(PRIO_PROCESS, 0);
  ASSERT_EQ(errno, 0);
  // A thread names itself when it first runs: wait for the name (and the niceness) to show.
  auto nice_becomes = [&](const char* name, int expected) {
    auto deadline = std::chrono::steady_clock::now() + wait;
    auto nice = nice_of_thread(name);
    while ((!nice || *nice != expected) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(5ms);
      nice = nice_of_thread(name);
    }
    return nice;
  };
  for (auto name : {"models-load-0", "models-load-1"}) {
    const auto nice = nice_becomes(name, std::min(19, process_nice + 7));
    ASSERT_TRUE(nice) << name << " not found";
    EXPECT_EQ(*nice, std::min(19, process_nice + 7)) << name;
  }
  const auto reaper = nice_becomes("models-reaper", process_nice);
  ASSERT_TRUE(reaper) << "models-reaper not found";
  EXPECT_EQ(*reaper, process_nice);  // malloc_trim holds arena locks: no priority inversion

  opts.load_nice = 20;
  try {
    manager(opts, testing::fake_registry(script)).start();
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("models.load_nice must be 0..19"), std::string::npos) << e.what();
  }
}

TEST_F(ModelsManager, TransitionLogKeepsTheNewestEntriesUpToItsBoundIncludingLabels) {
  opts.transition_log = 5;
  publish_fake(root.path, "m", 1);
  start();
  ASSERT_TRUE(m->wait_for_state("m", 1, version_state::ready, wait));
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(m->set_label("m", "stable", 1).ok());
  ASSERT_TRUE(m->set_label("m", "canary", 1).ok());
  auto log = m->transitions(100);
  ASSERT_EQ(log.size(), 5u) << log.dump();
  EXPECT_EQ(log.back()["reason"], "label 'canary'");  // newest last
  EXPECT_EQ(log.front()["reason"], "label 'stable'");  // older entries were overwritten
  EXPECT_EQ(m->transitions(2).size(), 2u);
  EXPECT_EQ(m->transitions(2).back()["reason"], "label 'canary'");
}

TEST_F(ModelsManager, InvalidOptionsAreRejectedWithTheModelAndTheFix) {
  opts.models["fraud"].required = true;
  opts.models["fraud"].idle_ttl = 10s;
  m = std::make_unique<manager>(opts, testing::fake_registry(script));
  try {
    m->start();
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("models.fraud: idle_ttl is not allowed for a required model"), std::string::npos)
        << e.what();
  }
}

TEST_F(ModelsManager, LabelsMoveOnlyToReadyVersionsAndPinThem) {
  publish_fake(root.path, "m", 1);
  start();
  ASSERT_TRUE(m->wait_for_state("m", 1, version_state::ready, wait));
  script->set("m", 2, {.latency = 300ms});
  publish_fake(root.path, "m", 2);
  m->rescan();
  auto early = m->set_label("m", "canary", 2);  // still loading
  EXPECT_EQ(early.code, 409);
  EXPECT_NE(early.reason.find("only to a ready version"), std::string::npos) << early.reason;
  EXPECT_EQ(m->set_label("m", "stable", 1).code, 200);
  ASSERT_TRUE(m->wait_for_state("m", 2, version_state::ready, wait));
  EXPECT_EQ(m->set_label("m", "canary", 2).code, 200);
  EXPECT_EQ(serving("m"), 2u);
  EXPECT_EQ(m->acquire("m", "stable").version(), 1u);  // the label keeps v1 loaded
  EXPECT_EQ(m->acquire("m", "canary").version(), 2u);
  EXPECT_FALSE(m->acquire("m", "nope"));
  EXPECT_EQ(m->state("m", 1), version_state::ready);
  EXPECT_EQ(m->unload("m", 1).code, 409);  // labelled
  EXPECT_EQ(m->set_label("m", "bad label!", 1).code, 400);
  EXPECT_EQ(m->remove_label("m", "stable").code, 200);
  ASSERT_TRUE(m->wait_for_state("m", 1, version_state::unloaded, wait));
  EXPECT_FALSE(m->acquire("m", "stable"));
}

TEST_F(ModelsManager, ResourcePreservingUnloadsTheOldVersionBeforeLoadingTheNew) {
  opts.models["big"].mode = swap_mode::resource_preserving;
  publish_fake(root.path, "big", 1);
  start();
  ASSERT_TRUE(m->wait_for_state("big", 1, version_state::ready, wait));
  publish_fake(root.path, "big", 2);
  m->rescan();
  ASSERT_TRUE(m->wait_for_state("big", 2, version_state::ready, wait));
  EXPECT_LE(script->max_concurrent.load(), 1);
  // Order in the transition log: v1 unloaded before v2 started loading.
  int unloaded_at = -1, loading_at = -1, i = 0;
  for (auto& t : m->transitions(100)) {
    if (t["version"] == 1 && t["to"] == "unloaded" && unloaded_at < 0) unloaded_at = i;
    if (t["version"] == 2 && t["to"] == "loading" && loading_at < 0) loading_at = i;
    ++i;
  }
  ASSERT_GE(unloaded_at, 0);
  EXPECT_LT(unloaded_at, loading_at);
}

TEST_F(ModelsManager, HalfWrittenAndCorruptedVersionsAreNeverLoaded) {
  publish_fake(root.path, "m", 1);
  start();
  ASSERT_TRUE(m->wait_for_state("m", 1, version_state::ready, wait));
  fs::create_directories(root.path / "m" / "2");
  std::ofstream(root.path / "m" / "2" / "weights.bin") << "half";  // no manifest yet
  auto v3 = publish_fake(root.path, "m", 3);
  std::ofstream(v3 / "weights.bin", std::ios::app) << "tampered";
  m->rescan();
  EXPECT_EQ(m->state("m", 3), version_state::invalid);
  EXPECT_NE(m->reason("m", 3).find("weights.bin"), std::string::npos) << m->reason("m", 3);
  EXPECT_FALSE(m->state("m", 2).has_value());  // invisible
  EXPECT_EQ(serving("m"), 1u);
  write_manifest(root.path / "m" / "2", "fake", "bin", {"weights.bin"}, {"a", "b"});
  m->rescan();
  ASSERT_TRUE(m->wait_for_state("m", 2, version_state::ready, wait));
  EXPECT_EQ(serving("m"), 2u);
}

TEST_F(ModelsManager, DeletedServingVersionKeepsServingUntilAReplacementIsReady) {
  opts.models["m"].required = true;
  auto v1 = publish_fake(root.path, "m", 1);
  start();
  ASSERT_TRUE(m->wait_ready(wait));
  fs::remove_all(v1);
  m->rescan();
  EXPECT_EQ(serving("m"), 1u);  // still hybrid: the loaded copy serves
  publish_fake(root.path, "m", 2);
  m->rescan();
  ASSERT_TRUE(m->wait_for_state("m", 1, version_state::unloaded, wait));
  EXPECT_EQ(serving("m"), 2u);
}

TEST_F(ModelsManager, ConcurrentControlCallsStayConsistent) {
  opts.models["m"].policy = version_policy::all_versions();
  for (int v = 1; v <= 3; ++v) publish_fake(root.path, "m", v);
  start();
  ASSERT_TRUE(m->wait_for_state("m", 3, version_state::ready, wait));
  std::atomic<bool> done{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 100; ++i) {
        std::uint64_t v = 1 + static_cast<std::uint64_t>((i + t) % 3);
        switch ((i + t) % 4) {
          case 0: m->load("m", v); break;
          case 1: m->unload("m", v); break;
          case 2: m->reload("m", v); break;
          case 3: m->rescan(); break;
        }
      }
    });
  threads.emplace_back([&] {
    while (!done) {
      if (auto h = m->acquire("m")) {
        EXPECT_EQ(score(h), static_cast<float>(h.version()));
      }
    }
  });
  for (std::size_t i = 0; i + 1 < threads.size(); ++i) threads[i].join();
  done = true;
  threads.back().join();
  for (int v = 1; v <= 3; ++v) m->load("m", v);
  for (int v = 1; v <= 3; ++v) ASSERT_TRUE(m->wait_for_state("m", v, version_state::ready, wait)) << m->reason("m", v);
  // Every superseded generation was reaped: exactly one live version per loaded record.
  auto deadline = std::chrono::steady_clock::now() + wait;
  while (m->live_versions() != 3 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(5ms);
  EXPECT_EQ(m->live_versions(), 3u);
  EXPECT_EQ(script->alive.load(), 3);
}

TEST_F(ModelsManager, InotifyPicksUpANewVersionWithoutARescanCall) {
  opts.watch = true;
  publish_fake(root.path, "m", 1);
  start();
  ASSERT_TRUE(m->wait_for_state("m", 1, version_state::ready, wait));
  publish_fake(root.path, "m", 2);
  ASSERT_TRUE(m->wait_for_state("m", 2, version_state::ready, wait));
  EXPECT_EQ(serving("m"), 2u);
}

TEST_F(ModelsManager, StatusShowsStatesReasonsStatsAndTransitions) {
  publish_fake(root.path, "m", 1);
  start();
  ASSERT_TRUE(m->wait_for_state("m", 1, version_state::ready, wait));
  {
    auto h = m->acquire("m");
    std::vector<float> rows{1, 2, 3, 4}, scores;
    h.predict(rows, 2, scores);
    EXPECT_THROW(h.predict(rows, 3, scores), std::invalid_argument);
  }
  auto show = m->show("m");
  ASSERT_TRUE(show);
  auto& v = (*show)["versions"][0];
  EXPECT_EQ(v["state"], "ready");
  EXPECT_EQ(v["published"], true);
  EXPECT_EQ(v["requests"], 2);
  EXPECT_EQ(v["rows"], 5);
  EXPECT_EQ(v["errors"], 1);
  EXPECT_EQ(v["measured_bytes"], 1000);
  EXPECT_EQ(v["estimated_bytes"], 1000);
  EXPECT_TRUE(v.contains("load_duration_ms"));
  EXPECT_EQ(m->list()["models"][0]["serving"], 1);
  EXPECT_GE(m->transitions().size(), 3u);  // queued, loading, warming, ready, published
  EXPECT_FALSE(m->show("nope"));
}

}  // namespace
}  // namespace lifespan::models
