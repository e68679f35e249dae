// document::get is const and the runtime calls it from several threads at once (components reload in
// parallel). Meaningful under the tsan preset; elsewhere it still checks the results.
#include <gtest/gtest.h>

#include <latch>
#include <string>
#include <thread>
#include <vector>

#include "lifespan/config/config.hpp"

namespace lifespan::config {
namespace {

TEST(Concurrency, SectionsCanBeReadFromSeveralThreads) {
  constexpr int threads = 8;
  std::string yaml;
  for (int i = 0; i < threads; ++i) yaml += "c" + std::to_string(i) + ":\n  size: " + std::to_string(i) + "\n  extra: 1\n";
  yaml += "shared:\n  a: 1\n";
  error_list load_errors;
  const auto doc = document::from_string(yaml, "config.yaml", load_errors);
  ASSERT_TRUE(load_errors.empty());

  std::vector<error_list> errors(threads);
  std::vector<int> sizes(threads, -1);
  std::latch start(threads);
  std::vector<std::thread> workers;
  for (int i = 0; i < threads; ++i) {
    workers.emplace_back([&, i] {
      start.arrive_and_wait();  // maximise overlap
      auto own = doc.get("c" + std::to_string(i), errors[i]);
      sizes[i] = own.get<int>("size", -1);
      for (int j = 0; j < 100; ++j) {
        // Absent sections and keys still register as asked for, in shared bookkeeping.
        doc.get("absent" + std::to_string(i) + "_" + std::to_string(j), errors[i]).get<int>("x", 0);
        auto shared = doc.get("shared", errors[i]);  // one section, many readers
        shared.get<int>("a", 0);
        shared.has("b" + std::to_string(j));
      }
      own.finish();
    });
  }
  for (auto& w : workers) w.join();

  for (int i = 0; i < threads; ++i) {
    EXPECT_EQ(sizes[i], i);
    ASSERT_EQ(errors[i].size(), 1u);
    EXPECT_EQ(errors[i][0].key, "c" + std::to_string(i) + ".extra");
  }
}

}  // namespace
}  // namespace lifespan::config
