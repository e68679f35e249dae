// Per-client behaviour windows: thresholds, sliding, one alert per window, bounded memory.
#include <gtest/gtest.h>
#include <malloc.h>

#include "behaviour/behaviour.hpp"

namespace vigil {
namespace {

std::string fmt_v4(int i) {
  return "10." + std::to_string((i >> 16) & 255) + "." + std::to_string((i >> 8) & 255) + "." + std::to_string(i & 255);
}
std::string fmt_v6(int i) { return "2001:db8:" + std::to_string(i % 9000) + "::" + std::to_string(i / 9000); }
// Bytes the allocator has handed out and not got back (glibc).
std::size_t heap_in_use() { return ::mallinfo2().uordblks; }

std::size_t count_kind(const std::vector<behaviour_alert>& alerts, behaviour_kind kind) {
  return static_cast<std::size_t>(std::count_if(alerts.begin(), alerts.end(), [&](const auto& a) { return a.kind == kind; }));
}

TEST(VigilBehaviour, NotFoundBurstAlertsOnceAtTheThreshold) {
  behaviour_options o;
  o.not_found_threshold = 20;
  o.not_found_window = 60;
  behaviour_tracker t(o);
  std::vector<behaviour_alert> alerts;
  for (int i = 0; i < 19; ++i) t.observe("10.0.0.1", 1000 + i, 404, "/x", alerts);
  EXPECT_TRUE(alerts.empty());
  t.observe("10.0.0.1", 1019, 404, "/x", alerts);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].kind, behaviour_kind::not_found_burst);
  EXPECT_EQ(alerts[0].client, "10.0.0.1");
  EXPECT_GE(alerts[0].count, 20u);
  for (int i = 0; i < 30; ++i) t.observe("10.0.0.1", 1020 + i, 404, "/x", alerts);
  EXPECT_EQ(alerts.size(), 1u) << "one alert per window";
  // Another client is independent.
  for (int i = 0; i < 19; ++i) t.observe("10.0.0.2", 1000 + i, 404, "/x", alerts);
  EXPECT_EQ(alerts.size(), 1u);
}

TEST(VigilBehaviour, SlowScannersStayBelowTheWindow) {
  behaviour_tracker t;  // 20 per 60 s
  std::vector<behaviour_alert> alerts;
  for (int i = 0; i < 500; ++i) t.observe("10.0.0.1", 1000 + i * 10, 404, "/x", alerts);  // 6 per minute
  EXPECT_TRUE(alerts.empty());
}

TEST(VigilBehaviour, WindowSlidesAcrossItsBoundary) {
  behaviour_options o;
  o.not_found_threshold = 10;
  o.not_found_window = 60;
  behaviour_tracker t(o);
  std::vector<behaviour_alert> alerts;
  // 6 at the end of one fixed window and 6 at the start of the next: 12 within 20 s.
  for (int i = 0; i < 6; ++i) t.observe("c", 110 + i, 404, "/", alerts);
  for (int i = 0; i < 6; ++i) t.observe("c", 120 + i, 404, "/", alerts);
  EXPECT_EQ(count_kind(alerts, behaviour_kind::not_found_burst), 1u);
}

TEST(VigilBehaviour, FailedLoginsOnlyOnAuthPathsWithConfiguredStatuses) {
  behaviour_options o;
  o.failed_login_threshold = 5;
  behaviour_tracker t(o);
  std::vector<behaviour_alert> alerts;
  for (int i = 0; i < 20; ++i) t.observe("a", 1000 + i, 401, "/products/1", alerts);
  for (int i = 0; i < 20; ++i) t.observe("a", 1000 + i, 200, "/login", alerts);
  EXPECT_TRUE(alerts.empty());
  for (int i = 0; i < 5; ++i) t.observe("a", 1100 + i, i % 2 ? 401 : 403, i % 2 ? "/login" : "/wp-login.php", alerts);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].kind, behaviour_kind::failed_logins);
  EXPECT_TRUE(t.is_auth_path("/api/login"));
  EXPECT_TRUE(t.is_auth_path("/login/"));
  EXPECT_FALSE(t.is_auth_path("/loginhelp"));
}

TEST(VigilBehaviour, FloodAtItsRate) {
  behaviour_options o;
  o.flood_threshold = 100;
  o.flood_window = 10;
  behaviour_tracker t(o);
  std::vector<behaviour_alert> alerts;
  for (int i = 0; i < 1000; ++i) t.observe("f", 5000 + i / 9, 200, "/", alerts);  // 9 per second
  EXPECT_EQ(count_kind(alerts, behaviour_kind::flood), 0u);
  for (int i = 0; i < 1000; ++i) t.observe("g", 5000 + i / 20, 200, "/", alerts);  // 20 per second
  EXPECT_GE(count_kind(alerts, behaviour_kind::flood), 1u);
  EXPECT_LE(count_kind(alerts, behaviour_kind::flood), 6u);  // 50 s of flooding, at most one per 10 s window
}

TEST(VigilBehaviour, MemoryIsBoundedByEvictingTheLeastRecentlySeen) {
  behaviour_options o;
  o.max_clients = 1000;
  o.not_found_threshold = 3;
  o.not_found_window = 1'000'000;
  behaviour_tracker t(o);
  std::vector<behaviour_alert> alerts;
  for (const char* c : {"keep", "lost"}) {
    t.observe(c, 1, 404, "/", alerts);
    t.observe(c, 1, 404, "/", alerts);
  }
  for (int i = 0; i < 200'000; ++i) {
    t.observe("10." + std::to_string(i), 1 + i / 1000, 200, "/", alerts);
    if (i % 500 == 0) t.observe("keep", 2, 200, "/", alerts);  // recently seen: never evicted
    ASSERT_LE(t.tracked(), 1000u);
  }
  EXPECT_TRUE(alerts.empty());
  EXPECT_EQ(t.tracked(), 1000u);
  EXPECT_EQ(t.evicted(), 200'002u - 1000u);
  // The third 404 completes the burst for the client that stayed, not for the evicted one,
  // whose history was forgotten.
  t.observe("keep", 3, 404, "/", alerts);
  t.observe("lost", 3, 404, "/", alerts);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].client, "keep");
}

// A million distinct clients (a scan from a botnet, spoofed sources): the tracked set stays at its
// bound and the heap in use stops growing once the bound is reached (nothing leaks per evicted client).
TEST(VigilBehaviour, AMillionDistinctClientsStayWithinTheBoundAndTheHeap) {
  behaviour_options o;
  o.max_clients = 10'000;
  behaviour_tracker t(o);
  std::vector<behaviour_alert> alerts;
  std::string client;
  auto address = [&](int i) {  // half IPv4, half IPv6 (longer keys: heap-allocated strings)
    client = i % 2 ? fmt_v4(i) : fmt_v6(i);
    return std::string_view(client);
  };
  std::size_t heap_at_bound = 0;
  for (int i = 0; i < 1'000'000; ++i) {
    t.observe(address(i), 1'700'000'000 + i / 20'000, i % 7 == 0 ? 404 : 200, "/login", alerts);
    if (t.tracked() > o.max_clients) FAIL() << "tracked " << t.tracked() << " clients after " << i + 1;
    if (i == 2 * static_cast<int>(o.max_clients)) heap_at_bound = heap_in_use();
  }
  EXPECT_EQ(t.tracked(), o.max_clients);
  EXPECT_EQ(t.evicted(), 1'000'000u - o.max_clients);
  EXPECT_TRUE(alerts.empty()) << "no single client did anything worth an alert";
  const auto heap_at_end = heap_in_use();
  EXPECT_LT(heap_at_end, heap_at_bound + 256 * 1024)
      << "heap grew from " << heap_at_bound << " to " << heap_at_end << " bytes with the client count bounded";
}

}  // namespace
}  // namespace vigil
