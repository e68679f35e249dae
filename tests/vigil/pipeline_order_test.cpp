// The pipeline's reorder buffer (apps/vigil/src/service/pipeline_order.hpp) with real threads:
// results put in any order come out in sequence, a put too far ahead waits for the consumer, and
// close() ends the stream after what was put.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <numeric>
#include <random>
#include <thread>
#include <vector>

#include "service/pipeline_order.hpp"

namespace vigil::service {
namespace {

TEST(pipeline_reorder, results_put_out_of_order_are_taken_in_sequence) {
  reorder_buffer<int> buffer(4);
  buffer.put(2, 20);
  buffer.put(1, 10);
  buffer.put(3, 30);
  EXPECT_EQ(buffer.depth(), 3u);
  buffer.put(0, 0);
  for (int i = 0; i < 4; ++i) {
    auto v = buffer.take();
    ASSERT_TRUE(v.has_value());
    EXPECT_EQ(*v, i * 10);
  }
  EXPECT_EQ(buffer.depth(), 0u);
  buffer.close();
  EXPECT_FALSE(buffer.take().has_value());
}

TEST(pipeline_reorder, a_put_a_window_ahead_waits_until_the_consumer_takes) {
  reorder_buffer<int> buffer(2);
  std::atomic<bool> put_done{false};
  std::thread ahead([&] {
    buffer.put(2, 2);  // numbers 0 and 1 are the window: 2 must wait until 0 is taken
    put_done = true;
  });
  buffer.put(1, 1);
  buffer.put(0, 0);
  EXPECT_FALSE(put_done.load());  // cannot have passed: nothing was taken yet
  EXPECT_LE(buffer.depth(), 2u);
  EXPECT_EQ(buffer.take(), 0);
  ahead.join();  // returns only once the put got in
  EXPECT_TRUE(put_done.load());
  EXPECT_EQ(buffer.take(), 1);
  EXPECT_EQ(buffer.take(), 2);
}

TEST(pipeline_reorder, close_returns_what_was_put_then_ends) {
  reorder_buffer<int> buffer(8);
  buffer.put(0, 5);
  buffer.put(1, 6);
  buffer.close();
  EXPECT_EQ(buffer.take(), 5);
  EXPECT_EQ(buffer.take(), 6);
  EXPECT_FALSE(buffer.take().has_value());
}

// As the pipeline uses it: workers number items under one lock, finish in random order, and the one
// consumer sees every item once, in order, with never more than the window waiting.
TEST(pipeline_reorder, many_workers_one_consumer_every_item_once_in_order) {
  constexpr int items = 5000;
  constexpr std::size_t window = 3;
  reorder_buffer<int> buffer(window);
  std::mutex take_mutex;
  int next = 0;
  std::vector<std::thread> workers;
  std::atomic<int> running{4};
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&, w] {
      std::mt19937 random(static_cast<unsigned>(w));
      for (;;) {
        int n = 0;
        {
          std::lock_guard lock(take_mutex);
          if (next == items) break;
          n = next++;
        }
        if (random() % 4 == 0) std::this_thread::yield();  // vary the finishing order
        buffer.put(static_cast<std::uint64_t>(n), n);
      }
      if (running.fetch_sub(1) == 1) buffer.close();
    });
  }
  std::vector<int> seen;
  std::size_t deepest = 0;
  while (auto v = buffer.take()) {
    seen.push_back(*v);
    deepest = std::max(deepest, buffer.depth());
  }
  for (auto& t : workers) t.join();
  std::vector<int> expected(items);
  std::iota(expected.begin(), expected.end(), 0);
  EXPECT_EQ(seen, expected);
  EXPECT_LE(deepest, window);
}

}  // namespace
}  // namespace vigil::service
