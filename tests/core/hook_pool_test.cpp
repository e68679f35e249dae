// The hook pool: bursts leave at once and in pieces, threads are created by threads (a tree) up to the
// bound, prestarted threads take the first hooks, the bound holds, and queued hooks run by priority.
#include "core/hook_pool.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace lifespan::detail {
namespace {

using namespace std::chrono_literals;

// Counts hooks as they run and lets them go together; remembers the most that ran at once.
struct gate {
  std::mutex m;
  std::condition_variable cv;
  std::size_t running = 0, finished = 0, most = 0;
  bool open = false;
  std::set<std::thread::id> threads;

  void hook() {
    std::unique_lock lock(m);
    ++running;
    most = std::max(most, running);
    threads.insert(std::this_thread::get_id());
    cv.notify_all();
    cv.wait(lock, [&] { return open; });
    --running;
    ++finished;
    cv.notify_all();
  }
  // Waits (generously: a loaded machine) until `count` hooks run at once.
  bool wait_running(std::size_t count) {
    std::unique_lock lock(m);
    return cv.wait_for(lock, 30s, [&] { return running >= count; });
  }
  bool release_and_wait(std::size_t count) {
    std::unique_lock lock(m);
    open = true;
    cv.notify_all();
    return cv.wait_for(lock, 30s, [&] { return finished >= count; });
  }
};

TEST(HookPool, ABurstGetsOneThreadPerHookUpToTheBound) {
  constexpr std::size_t hooks = 40;
  gate g;
  hook_pool pool(hooks);
  // Each hook holds its thread until all of them run: only a pool that created every thread (the
  // later ones created by the earlier ones) lets this finish.
  for (std::size_t i = 0; i < hooks; ++i) pool.submit([&] { g.hook(); });
  pool.flush();
  ASSERT_TRUE(g.wait_running(hooks));
  ASSERT_TRUE(g.release_and_wait(hooks));
  std::lock_guard lock(g.m);
  EXPECT_EQ(g.threads.size(), hooks);
}

TEST(HookPool, TheFirstHookOfABurstLeavesBeforeTheFlush) {
  gate g;
  hook_pool pool(4);
  pool.submit([&] { g.hook(); });  // no flush: the supervisor is still busy with the burst
  ASSERT_TRUE(g.wait_running(1));
  ASSERT_TRUE(g.release_and_wait(1));
  pool.flush();
}

TEST(HookPool, TheBoundHoldsAndEveryHookRuns) {
  constexpr std::size_t hooks = 12;
  gate g;
  hook_pool pool(3);
  pool.prestart(8);  // more than the bound: only three are started
  for (std::size_t i = 0; i < hooks; ++i) pool.submit([&] { g.hook(); });
  pool.flush();
  ASSERT_TRUE(g.wait_running(3));
  ASSERT_TRUE(g.release_and_wait(hooks));
  std::lock_guard lock(g.m);
  EXPECT_EQ(g.most, 3u);
  EXPECT_LE(g.threads.size(), 3u);
}

TEST(HookPool, PrestartedThreadsTakeTheFirstHooks) {
  constexpr std::size_t hooks = 6;
  gate g;
  hook_pool pool(hooks);
  pool.prestart(hooks);
  for (std::size_t i = 0; i < hooks; ++i) pool.submit([&] { g.hook(); });
  pool.flush();
  ASSERT_TRUE(g.wait_running(hooks));
  ASSERT_TRUE(g.release_and_wait(hooks));
  std::lock_guard lock(g.m);
  EXPECT_EQ(g.threads.size(), hooks);  // the prestarted ones, no more: the bound is six
}

TEST(HookPool, QueuedHooksRunHighestPriorityFirstThenInSubmissionOrder) {
  gate g;
  hook_pool pool(1);
  pool.submit([&] { g.hook(); });  // holds the only thread while the others queue
  pool.flush();
  ASSERT_TRUE(g.wait_running(1));
  std::mutex m;
  std::condition_variable cv;
  std::vector<int> ran;
  const auto record = [&](int id) {
    return [&, id] {
      std::lock_guard lock(m);
      ran.push_back(id);
      cv.notify_all();
    };
  };
  pool.submit(record(1), 1);
  pool.submit(record(2), 3);
  pool.submit(record(3), 2);
  pool.submit(record(4));  // urgent: a stop, drain, health check or reload
  pool.submit(record(5), 3);
  pool.flush();
  ASSERT_TRUE(g.release_and_wait(1));
  std::unique_lock lock(m);
  ASSERT_TRUE(cv.wait_for(lock, 30s, [&] { return ran.size() == 5; }));
  EXPECT_EQ(ran, (std::vector<int>{4, 2, 5, 3, 1}));
}

}  // namespace
}  // namespace lifespan::detail
