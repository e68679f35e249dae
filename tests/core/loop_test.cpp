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
#include <vector>

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

// Work the supervisor defers to itself (no lock) runs before it sleeps or hands over: a chain of a
// hundred thousand, each deferring the next, completes without recursion and with no post to wake it.
TEST(Loop, DeferredWorkRunsBeforeTheSupervisorSleeps) {
  sleeping_supervisor s;
  std::promise<int> result;
  int count = 0;
  std::uint64_t hand_overs_at_first = 0, hand_overs_at_last = 0;
  const auto hand_overs = [&] {
    std::lock_guard lock(s.m);
    return s.hand_overs;
  };
  std::function<void()> step = [&] {
    if (++count == 1) hand_overs_at_first = hand_overs();
    if (count < 100000) {
      s.l->defer(step);
      return;
    }
    hand_overs_at_last = hand_overs();
    result.set_value(count);
  };
  s.l->post([&] { s.l->defer(step); });
  auto done = result.get_future();
  ASSERT_EQ(done.wait_for(20s), std::future_status::ready);
  EXPECT_EQ(done.get(), 100000);
  EXPECT_EQ(hand_overs_at_first, hand_overs_at_last);  // never ran out of work in between
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

namespace lifespan::detail {
namespace {

using namespace std::chrono_literals;

// Timers, driven by a manual clock on the calling thread: run_until returns once the posted "done"
// runs, after every due timer (timers run before posted tasks).
struct timer_fixture {
  std::shared_ptr<manual_clock> clock = std::make_shared<manual_clock>();
  std::shared_ptr<loop> l = std::make_shared<loop>(clock);
  std::vector<int> fired;
  void run_due() {
    bool done = false;
    l->post([&] { done = true; });
    l->run_until([&] { return done; });
  }
};

TEST(LoopTimers, FireByTimeThenInTheOrderTheyWereArmed) {
  timer_fixture f;
  f.l->after(2ms, [&] { f.fired.push_back(3); });
  f.l->after(1ms, [&] { f.fired.push_back(1); });
  f.l->after(1ms, [&] { f.fired.push_back(2); });
  f.l->after(5ms, [&] { f.fired.push_back(4); });
  f.clock->advance(2ms);
  f.run_due();
  EXPECT_EQ(f.fired, (std::vector<int>{1, 2, 3}));
  f.clock->advance(3ms);
  f.run_due();
  EXPECT_EQ(f.fired, (std::vector<int>{1, 2, 3, 4}));
}

TEST(LoopTimers, CancelledTimersNeverFireAndStaleIdsCancelNothing) {
  timer_fixture f;
  auto first = f.l->after(1ms, [&] { f.fired.push_back(1); });
  auto stale = first;
  f.l->cancel(first);
  EXPECT_EQ(first, 0u);
  // The freed slot is reused: the stale id must not cancel its new timer.
  auto second = f.l->after(1ms, [&] { f.fired.push_back(2); });
  f.l->cancel(stale);
  f.clock->advance(1ms);
  f.run_due();
  EXPECT_EQ(f.fired, (std::vector<int>{2}));
  f.l->cancel(second);  // after it fired: harmless
  EXPECT_EQ(second, 0u);
}

TEST(LoopTimers, ManyCancelledTimersLeaveTheRestFiringInOrder) {
  timer_fixture f;
  std::vector<loop::timer_id> ids;
  for (int i = 0; i < 1000; ++i) ids.push_back(f.l->after(std::chrono::milliseconds(1 + i % 7), [&f, i] { f.fired.push_back(i); }));
  std::vector<int> expected;
  for (int i = 0; i < 1000; ++i) {
    if (i % 10 == 0) continue;
    f.l->cancel(ids[i]);  // sweeps the heap along the way
  }
  for (int t = 1; t <= 7; ++t)
    for (int i = 0; i < 1000; i += 10)
      if (1 + i % 7 == t) expected.push_back(i);
  f.clock->advance(10ms);
  f.run_due();
  EXPECT_EQ(f.fired, expected);
  // Armed again after the sweep: still in order.
  f.fired.clear();
  f.l->after(2ms, [&] { f.fired.push_back(-2); });
  f.l->after(1ms, [&] { f.fired.push_back(-1); });
  f.clock->advance(2ms);
  f.run_due();
  EXPECT_EQ(f.fired, (std::vector<int>{-1, -2}));
}

}  // namespace
}  // namespace lifespan::detail
