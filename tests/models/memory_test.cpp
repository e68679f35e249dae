// Memory and time: the budget with LRU eviction, idle TTL, lazy single-flight loads, load deadlines.
#include <thread>

#include "manager_fixture.hpp"

namespace lifespan::models {
namespace {

TEST_F(ModelsManager, BudgetEvictsLeastRecentlyUsedNeverInUseAndRefusesWithReason) {
  auto clk = std::make_shared<manual_clock>();
  opts.clock = clk;
  opts.memory_budget = 2500;  // two 1000-byte fakes fit, a third does not
  for (auto name : {"a", "b", "c", "d"}) {
    publish_fake(root.path, name, 1);
    opts.models[name].lazy = true;
  }
  start();
  ASSERT_TRUE(m->acquire_or_load("a", wait));
  clk->advance(1s);
  m->tick();
  ASSERT_TRUE(m->acquire_or_load("b", wait));
  clk->advance(1s);
  m->tick();
  { auto touch_a = m->acquire("a"); }  // a is now more recent than b
  ASSERT_TRUE(m->acquire_or_load("c", wait)) << m->reason("c", 1);
  EXPECT_EQ(m->state("b", 1), version_state::unloaded);  // least recently used
  EXPECT_NE(m->reason("b", 1).find("evicted (least recently used) to make room for c v1"), std::string::npos)
      << m->reason("b", 1);
  EXPECT_EQ(m->state("a", 1), version_state::ready);
  EXPECT_LE(m->used_bytes(), 2500u);

  // Everything loaded is in use: nothing can be evicted, the load is refused with the holders named.
  auto ha = m->acquire("a");
  auto hc = m->acquire("c");
  EXPECT_FALSE(m->acquire_or_load("d", wait));
  ASSERT_TRUE(m->wait_for_state("d", 1, version_state::failed, wait));
  auto why = m->reason("d", 1);
  EXPECT_NE(why.find("memory budget"), std::string::npos) << why;
  EXPECT_NE(why.find("a v1"), std::string::npos) << why;
  EXPECT_NE(why.find("in use"), std::string::npos) << why;
  EXPECT_EQ(m->state("a", 1), version_state::ready);
  EXPECT_EQ(m->state("c", 1), version_state::ready);
}


TEST_F(ModelsManager, EveryVersionIsDestroyedOnTheLoadThreadThatBuiltIt) {
  // XGBoost's per-thread entries keyed by a booster are only erased by a free on the same thread.
  opts.load_threads = 3;
  publish_fake(root.path, "a", 1);
  publish_fake(root.path, "b", 1);
  start();
  ASSERT_TRUE(m->wait_for_state("a", 1, version_state::ready, wait));
  ASSERT_TRUE(m->wait_for_state("b", 1, version_state::ready, wait));
  // One swap at a time, so each goes to the lowest-numbered idle load thread and that thread is idle when
  // the version it replaces retires (one retired while its thread is busy loading goes to the reaper).
  for (std::uint64_t v = 2; v <= 12; ++v) {
    {
      auto held = m->acquire("a");  // the last release happens here, on the test thread
      publish_fake(root.path, "a", v);
      m->rescan();
      ASSERT_TRUE(m->wait_for_state("a", v, version_state::ready, wait)) << m->reason("a", v);
    }
    ASSERT_TRUE(m->wait_for_state("a", v - 1, version_state::unloaded, wait));
    publish_fake(root.path, "b", v);
    m->rescan();
    ASSERT_TRUE(m->wait_for_state("b", v, version_state::ready, wait)) << m->reason("b", v);
    ASSERT_TRUE(m->wait_for_state("b", v - 1, version_state::unloaded, wait));
  }
  ASSERT_TRUE(m->wait_for_state("a", 11, version_state::unloaded, wait));
  ASSERT_TRUE(m->wait_for_state("b", 11, version_state::unloaded, wait));
  EXPECT_EQ(m->unloads(), 22u);
  EXPECT_EQ(script->alive.load(), 2);
  EXPECT_EQ(script->destroyed_on_other_thread.load(), 0);
}

TEST_F(ModelsManager, OneLoadThreadDrainsItsOwnVersionsWhileALoadWaitsForThem) {
  // resource_preserving waits for the old version's unload, which only this load thread may do.
  opts.load_threads = 1;
  opts.models["big"].mode = swap_mode::resource_preserving;
  publish_fake(root.path, "big", 1);
  start();
  ASSERT_TRUE(m->wait_for_state("big", 1, version_state::ready, wait));
  auto t0 = std::chrono::steady_clock::now();
  publish_fake(root.path, "big", 2);
  m->rescan();
  ASSERT_TRUE(m->wait_for_state("big", 2, version_state::ready, wait));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);  // not the 60 s load_timeout
  EXPECT_EQ(m->state("big", 1), version_state::unloaded);
  EXPECT_EQ(script->destroyed_on_other_thread.load(), 0);
}

TEST_F(ModelsManager, AVersionWhoseLoadThreadIsInsideALoaderIsUnloadedByTheReaperWithoutWaitingForIt) {
  // big 1 is built on load thread 0, which then hangs loading another model; the resource-preserving
  // swap to big 2 (on thread 1) waits for big 1's unload, which must not wait for thread 0.
  opts.load_threads = 2;
  opts.models["big"].mode = swap_mode::resource_preserving;
  opts.models["slow"].load_timeout = 60s;
  publish_fake(root.path, "big", 1);
  start();
  ASSERT_TRUE(m->wait_for_state("big", 1, version_state::ready, wait));
  script->set("slow", 1, {.hang = true});
  publish_fake(root.path, "slow", 1);
  m->rescan();
  ASSERT_TRUE(m->wait_for_state("slow", 1, version_state::loading, wait));
  auto t0 = std::chrono::steady_clock::now();
  publish_fake(root.path, "big", 2);
  m->rescan();
  ASSERT_TRUE(m->wait_for_state("big", 2, version_state::ready, wait)) << m->reason("big", 2);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s);  // not slow's 60 s hang, nor big's load_timeout
  EXPECT_EQ(m->state("big", 1), version_state::unloaded);
  EXPECT_EQ(m->state("slow", 1), version_state::loading);
}

TEST_F(ModelsManager, IdleTtlUnloadsOnTheInjectedClockAndTheNextUseReloads) {
  auto clk = std::make_shared<manual_clock>();
  opts.clock = clk;
  opts.models["m"].idle_ttl = 60s;
  publish_fake(root.path, "m", 1);
  start();
  ASSERT_TRUE(m->wait_for_state("m", 1, version_state::ready, wait));
  clk->advance(40s);
  m->tick();
  { auto h = m->acquire("m"); }  // used at t=40s
  clk->advance(40s);
  m->tick();
  EXPECT_EQ(m->state("m", 1), version_state::ready);  // idle 40s < 60s
  {
    auto held = m->acquire("m");
    clk->advance(120s);
    m->tick();
    EXPECT_EQ(m->state("m", 1), version_state::ready);  // a handle is out: never idle-unloaded
  }
  clk->advance(1s);
  m->tick();
  clk->advance(61s);
  m->tick();
  ASSERT_TRUE(m->wait_for_state("m", 1, version_state::unloaded, wait));
  EXPECT_NE(m->reason("m", 1).find("idle_ttl 60000 ms"), std::string::npos) << m->reason("m", 1);
  EXPECT_FALSE(m->acquire("m"));
  auto h = m->acquire_or_load("m", wait);
  ASSERT_TRUE(h);
  EXPECT_EQ(script->loads_of("m", 1), 2);
}


TEST_F(ModelsManager, LazyLoadIsSingleFlightAndNotNowReturnsAtOnce) {
  opts.models["lazy"].lazy = true;
  script->set("lazy", 1, {.latency = 300ms});
  publish_fake(root.path, "lazy", 1);
  start();
  EXPECT_EQ(m->state("lazy", 1), version_state::on_disk);
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(m->acquire_or_load("lazy", 0ms));  // not now: the caller falls back
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 100ms);
  std::vector<std::thread> callers;
  std::atomic<int> got{0};
  for (int i = 0; i < 8; ++i)
    callers.emplace_back([&] {
      if (auto h = m->acquire_or_load("lazy", wait); h && h.version() == 1) ++got;
    });
  for (auto& t : callers) t.join();
  EXPECT_EQ(got.load(), 8);
  EXPECT_EQ(script->loads_of("lazy", 1), 1);
}


TEST_F(ModelsManager, HungLoadTimesOutAndDestructionCancelsAHang) {
  opts.models["m"].load_timeout = 200ms;
  opts.models["m"].max_attempts = 1;
  script->set("m", 1, {.hang = true});
  publish_fake(root.path, "m", 1);
  start();
  ASSERT_TRUE(m->wait_for_state("m", 1, version_state::failed, wait));
  EXPECT_NE(m->reason("m", 1).find("deadline passed"), std::string::npos) << m->reason("m", 1);
  EXPECT_NE(m->reason("m", 1).find("gave up after 1 attempts"), std::string::npos) << m->reason("m", 1);

  script->set("n", 1, {.hang = true});
  publish_fake(root.path, "n", 1);
  m->rescan();
  ASSERT_TRUE(m->wait_for_state("n", 1, version_state::loading, wait));
  auto t0 = std::chrono::steady_clock::now();
  m.reset();  // the stop token ends the hang
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
}


}  // namespace
}  // namespace lifespan::models
