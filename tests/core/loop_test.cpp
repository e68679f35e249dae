// The supervisor loop's hand-off: a hook worker that posts while the supervisor sleeps does the
// supervisor's work itself, and the supervisor still sees everything it must act on.
#include "core/loop.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace lifespan::detail {
namespace {

using namespace std::chrono_literals;

// Runs a loop's run_until on its own thread, and reports every time the supervisor is about to sleep.
struct sleeping_supervisor {
  std::shared_ptr<loop> l = std::make_shared<loop>(lifespan::steady());
  std::atomic<bool> done{false};
  std::mutex m;
  std::condition_variable cv;
  std::uint64_t hand_overs = 0;
  std::thread::id last_hand_over_by;
  std::future<void> finished;

  sleeping_supervisor() {
    l->attach_clock();
    finished = std::async(std::launch::async, [this] {
      l->run_until([this] { return done.load(); }, [this] {
        std::lock_guard lock(m);
        ++hand_overs;
        last_hand_over_by = std::this_thread::get_id();
        cv.notify_all();
      });
    });
  }
  ~sleeping_supervisor() {
    l->post([this] { done = true; });
    finished.wait();
  }
  void await_hand_over_after(std::uint64_t seen) {
    std::unique_lock lock(m);
    ASSERT_TRUE(cv.wait_for(lock, 10s, [&] { return hand_overs > seen; }));
  }
  std::uint64_t hand_over_count() {
    std::lock_guard lock(m);
    return hand_overs;
  }

  // Posts tasks after hooks until one runs on the calling thread (the supervisor was asleep); every
  // task runs exactly once either way. Returns whether that happened within `attempts`.
  bool post_until_inline(std::function<void()> work, int attempts = 1000) {
    for (int i = 0; i < attempts; ++i) {
      const auto seen = hand_over_count();
      std::promise<std::thread::id> ran_on;
      auto ran = ran_on.get_future();
      l->post_after_hook([&] {
        work();
        ran_on.set_value(std::this_thread::get_id());
      });
      if (ran.wait_for(10s) != std::future_status::ready) return false;
      if (ran.get() == std::this_thread::get_id()) return true;
      await_hand_over_after(seen);  // the supervisor ran it; wait until it goes back to sleep
    }
    return false;
  }
};

TEST(Loop, AWorkerPostingWhileTheSupervisorSleepsDoesItsWorkAndHandsOver) {
  sleeping_supervisor s;
  s.await_hand_over_after(0);
  int runs = 0;
  ASSERT_TRUE(s.post_until_inline([&] { ++runs; }));
  EXPECT_GE(runs, 1);
  std::lock_guard lock(s.m);
  EXPECT_EQ(s.last_hand_over_by, std::this_thread::get_id()) << "the worker hands the batched hooks over itself";
}

TEST(Loop, WhatAWorkerPostsWhileTheSupervisorIsAwakeRunsOnTheSupervisor) {
  sleeping_supervisor s;
  std::promise<std::thread::id> ran_on;
  std::promise<void> release;
  auto released = release.get_future().share();
  s.l->post([released] { released.wait(); });  // keeps the supervisor awake
  s.l->post_after_hook([&] { ran_on.set_value(std::this_thread::get_id()); });
  release.set_value();
  auto ran = ran_on.get_future();
  ASSERT_EQ(ran.wait_for(10s), std::future_status::ready);
  EXPECT_NE(ran.get(), std::this_thread::get_id());
}

TEST(Loop, DoneReachedByAWorkerEndsRunUntil) {
  sleeping_supervisor s;
  s.await_hand_over_after(0);
  const auto me = std::this_thread::get_id();
  ASSERT_TRUE(s.post_until_inline([&] {
    if (std::this_thread::get_id() == me) s.done = true;
  }));
  EXPECT_EQ(s.finished.wait_for(10s), std::future_status::ready);
}

TEST(Loop, ATimerArmedByAWorkerFiresWhileTheSupervisorSleeps) {
  sleeping_supervisor s;
  s.await_hand_over_after(0);
  // The supervisor sleeps with no timer at all; the timer the worker arms must still fire.
  const auto me = std::this_thread::get_id();
  ASSERT_TRUE(s.post_until_inline([&] {
    if (std::this_thread::get_id() == me) s.l->after(5ms, [&] { s.done = true; });
  }));
  EXPECT_EQ(s.finished.wait_for(10s), std::future_status::ready);
}

}  // namespace
}  // namespace lifespan::detail
