// `vigil serve` as a real process delivering to a real redis-server: SIGKILL while the backlog drains,
// then a restart delivers the rest at once (it takes its own lease back: same host). At-least-once: every
// stored alert reaches the stream, and the only duplicates are the one batch that was in flight at the kill.
#include <set>

#include "delivery_fixture.hpp"
#include "redis_server.hpp"
#include "vigil_process.hpp"

namespace vigil::test {
namespace {

// The line offset inside an alert key "<source key>:<offset>:<kind>".
long long offset_of(const std::string& key) {
  const auto last = key.rfind(':');
  const auto before = key.rfind(':', last - 1);
  return std::stoll(key.substr(before + 1, last - before - 1));
}

TEST(vigil_redis_process, sigkill_while_delivering_then_restart_delivers_every_alert_at_least_once) {
  temp_dir dir;
  redis_server redis(dir.path());
  const auto log = dir / "access.log";
  append(log, log_lines(0, 14000, 7, "k"));
  const long long expected = attacks_in(0, 14000, 7);  // 2000 alerts
  // Small batches and a slow poll so that the kill lands while the backlog drains.
  const std::vector<std::string> redis_on = {"redis.enabled=true", "redis.url=" + redis.url(), "redis.stream=alerts",
                                             "redis.batch_size=10", "redis.poll_interval=20ms"};
  redis_client c(redis.port());
  {
    vigil_process first(serve_args(dir, log, redis_on), dir / "first.out");
    ASSERT_TRUE(eventually([&] { return c.xlen("alerts").value_or(0) > 100; }, 60s)) << first.output();
    first.signal(SIGKILL);
    const int status = first.wait();
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
  }
  const auto at_kill = c.xlen("alerts").value_or(0);
  ASSERT_LT(at_kill, expected) << "the kill came too late to be mid-delivery";

  vigil_process second(serve_args(dir, log, redis_on), dir / "second.out");
  const auto db = dir / "vigil.db";
  ASSERT_TRUE(eventually(
      [&] {
        return sqlite_reader(db).number("SELECT COUNT(*) FROM vigil_alerts") == expected &&
               sqlite_reader(db).number("SELECT COUNT(*) FROM vigil_delivery_outbox", -1) == 0;
      },
      60s))
      << second.output();
  std::multiset<long long> delivered;
  for (const auto& [key, alert] : c.entries("alerts")) delivered.insert(offset_of(key));
  const auto stored = sqlite_reader(db).numbers("SELECT line_offset FROM vigil_alerts");
  EXPECT_EQ(std::set<long long>(delivered.begin(), delivered.end()), std::set<long long>(stored.begin(), stored.end()));
  EXPECT_GE(static_cast<long long>(delivered.size()), expected);
  EXPECT_LE(static_cast<long long>(delivered.size()), expected + 10) << "more duplicates than the one batch in flight";
  second.signal(SIGTERM);
  EXPECT_EQ(second.wait(), 0) << second.output();
}

}  // namespace
}  // namespace vigil::test
