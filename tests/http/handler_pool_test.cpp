// The handler pool on its own: at most `threads` jobs run at once, at most `queue` wait, a full queue
// refuses at once, threads start only when needed, and halt() drops what never started.
#include <gtest/gtest.h>

#include <spdlog/spdlog.h>

#include "fixture.hpp"
#include "http/handler_pool.hpp"

namespace lifespan::test {
namespace {

using http::detail::handler_pool;

// A job that counts its start, then waits (bounded) for the gate.
handler_pool::job blocking(std::shared_ptr<gate> release, std::shared_ptr<counter> started, std::shared_ptr<counter> done) {
  return [release, started, done] {
    started->add();
    release->wait(std::stop_token{}, 20s);
    done->add();
  };
}

TEST(HandlerPool, RunsAtMostThreadsJobsAndQueuesAtMostQueueThenRefuses) {
  handler_pool pool(2, 3, "t", spdlog::default_logger());
  EXPECT_EQ(pool.started(), 0u);  // no job yet, no thread
  auto release = std::make_shared<gate>();
  auto started = std::make_shared<counter>();
  auto done = std::make_shared<counter>();
  for (int i = 0; i < 5; ++i) {
    auto j = blocking(release, started, done);
    ASSERT_TRUE(pool.submit(j)) << i;
  }
  ASSERT_TRUE(started->wait_for(2));
  EXPECT_FALSE(started->wait_for(3, 50ms));  // the other three wait for a thread
  EXPECT_EQ(pool.started(), 2u);
  EXPECT_EQ(pool.busy(), 2u);
  EXPECT_EQ(pool.queued(), 3u);

  bool ran = false;
  handler_pool::job refused = [&ran] { ran = true; };
  EXPECT_FALSE(pool.submit(refused));  // two running, three waiting: full
  EXPECT_TRUE(static_cast<bool>(refused)) << "a refused job is left with the caller";

  release->open();
  EXPECT_TRUE(done->wait_for(5));  // the queued ones ran once threads were free
  EXPECT_EQ(pool.started(), 2u);
  EXPECT_FALSE(ran);
}

TEST(HandlerPool, AQueueOfZeroRunsOnlyWhenAThreadIsFree) {
  handler_pool pool(1, 0, "t", spdlog::default_logger());
  auto release = std::make_shared<gate>();
  auto started = std::make_shared<counter>();
  auto done = std::make_shared<counter>();
  auto first = blocking(release, started, done);
  ASSERT_TRUE(pool.submit(first));
  ASSERT_TRUE(started->wait_for(1));
  auto second = blocking(release, started, done);
  EXPECT_FALSE(pool.submit(second));
  release->open();
  ASSERT_TRUE(done->wait_for(1));
  // The thread is free again (a moment after the job returns): a new job is taken.
  const auto until = std::chrono::steady_clock::now() + 10s;
  bool accepted = false;
  while (!accepted && std::chrono::steady_clock::now() < until) {
    auto again = blocking(release, started, done);
    accepted = pool.submit(again);
    if (!accepted) std::this_thread::yield();
  }
  EXPECT_TRUE(accepted);
  EXPECT_TRUE(done->wait_for(2));
}

TEST(HandlerPool, HaltDropsQueuedJobsAndJoinWaitsForTheRunningOne) {
  handler_pool pool(1, 4, "t", spdlog::default_logger());
  auto release = std::make_shared<gate>();
  auto started = std::make_shared<counter>();
  auto done = std::make_shared<counter>();
  auto running = blocking(release, started, done);
  ASSERT_TRUE(pool.submit(running));
  ASSERT_TRUE(started->wait_for(1));
  auto held = std::make_shared<int>(0);
  handler_pool::job queued = [held] {};
  ASSERT_TRUE(pool.submit(queued));
  EXPECT_EQ(held.use_count(), 2);
  pool.halt();
  EXPECT_EQ(held.use_count(), 1) << "halt() destroys the queued job";
  handler_pool::job late = [] {};
  EXPECT_FALSE(pool.submit(late));
  release->open();
  pool.join();
  EXPECT_TRUE(done->wait_for(1, 0ms));
  EXPECT_FALSE(started->wait_for(2, 0ms));
}

}  // namespace
}  // namespace lifespan::test
