// The tailer inside the real service (in-process, real files, real SQLite): files that appear later,
// rotation by rename and by copytruncate, hostile lines, and backpressure from a slow store stage.
#include <sys/stat.h>

#include "service_fixture.hpp"

namespace vigil::test {
namespace {

long long alert_rows(const service_under_test& s) { return sqlite_reader(s.db_file).number("SELECT COUNT(*) FROM vigil_alerts"); }

TEST(vigil_serve_tail, follows_a_file_that_does_not_exist_yet) {
  temp_dir dir;
  const auto log = dir / "logs" / "access.log";
  std::filesystem::create_directories(log.parent_path());
  service_under_test s(dir, {log.string()});
  ASSERT_TRUE(s.up);
  const auto health = s.tailer().check_health({});
  ASSERT_TRUE(health.has_value());
  EXPECT_EQ(health->status, lifespan::health_status::degraded);
  EXPECT_NE(health->reason.find("waiting for"), std::string::npos) << health->reason;

  append(log, log_lines(0, 500, 10));
  ASSERT_TRUE(s.wait_stored(500)) << s.pipeline().stats().lines_stored;
  EXPECT_EQ(s.pipeline().stats().alerts_stored, 50u);
  EXPECT_EQ(alert_rows(s), 50);
  EXPECT_EQ(s.tailer().check_health({})->status, lifespan::health_status::ok);
  EXPECT_EQ(s.h->stop(), 0);
}

TEST(vigil_serve_tail, rename_rotation_finishes_the_old_file_and_follows_the_new_one) {
  temp_dir dir;
  const auto log = dir / "access.log";
  append(log, log_lines(0, 300, 7));
  service_under_test s(dir, {log.string()});
  ASSERT_TRUE(s.up);
  ASSERT_TRUE(s.wait_stored(300));
  // logrotate's default: rename, create a new file; nginx keeps writing to the old one until it reopens.
  std::filesystem::rename(log, dir / "access.log.1");
  append(dir / "access.log.1", log_lines(300, 400, 7));
  append(log, log_lines(400, 700, 7));
  ASSERT_TRUE(s.wait_stored(700)) << s.pipeline().stats().lines_stored;
  EXPECT_EQ(s.pipeline().stats().alerts_stored, static_cast<std::uint64_t>(attacks_in(0, 700, 7)));
  EXPECT_EQ(alert_rows(s), attacks_in(0, 700, 7));
  // The rotated file is retired once it stops growing: its position row goes away.
  sqlite_reader db(s.db_file);
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (db.number("SELECT COUNT(*) FROM vigil_positions") != 1 && std::chrono::steady_clock::now() < deadline)
    s.pipeline().wait_for([](const auto&) { return false; }, 100ms);
  EXPECT_EQ(db.number("SELECT COUNT(*) FROM vigil_positions"), 1);
  struct stat st {};
  ASSERT_EQ(::stat(log.c_str(), &st), 0);
  EXPECT_EQ(db.number("SELECT byte_offset FROM vigil_positions"), st.st_size);
  EXPECT_EQ(s.tailer().status().at(0).rotations_seen, 1u);
  EXPECT_EQ(s.h->stop(), 0);
}

TEST(vigil_serve_tail, copytruncate_starts_the_new_content_from_zero_with_new_alert_keys) {
  temp_dir dir;
  const auto log = dir / "access.log";
  append(log, log_lines(0, 400, 5, "first"));
  service_under_test s(dir, {log.string()});
  ASSERT_TRUE(s.up);
  ASSERT_TRUE(s.wait_stored(400));
  std::filesystem::copy_file(log, dir / "access.log.1");
  ASSERT_EQ(::truncate(log.c_str(), 0), 0);
  // The same offsets again with other content: without a new generation these keys would collide.
  append(log, log_lines(0, 400, 5, "second"));
  ASSERT_TRUE(s.wait_stored(800)) << s.pipeline().stats().lines_stored;
  EXPECT_EQ(s.pipeline().stats().alerts_stored, 160u);
  EXPECT_EQ(s.pipeline().stats().alerts_replayed, 0u);
  EXPECT_EQ(alert_rows(s), 160);
  EXPECT_EQ(s.tailer().status().at(0).truncations_seen, 1u);
  EXPECT_EQ(s.h->stop(), 0);
}

TEST(vigil_serve_tail, a_restart_finishes_a_file_rotated_while_stopped_and_rereads_one_truncated_while_stopped) {
  temp_dir dir;
  const auto log = dir / "access.log";
  append(log, log_lines(0, 300, 6, "one"));
  {
    service_under_test s(dir, {log.string()});
    ASSERT_TRUE(s.up);
    ASSERT_TRUE(s.wait_stored(300));
    EXPECT_EQ(s.h->stop(), 0);
  }
  // While stopped: more lines in the old file, then it is rotated away and a new one begins.
  append(log, log_lines(300, 400, 6, "one"));
  std::filesystem::rename(log, dir / "access.log.1");
  append(log, log_lines(400, 600, 6, "two"));
  {
    service_under_test s(dir, {log.string()});
    ASSERT_TRUE(s.up);
    ASSERT_TRUE(s.wait_stored(300)) << s.pipeline().stats().lines_stored;  // 100 left in the old file + 200 new
    EXPECT_EQ(s.pipeline().stats().alerts_replayed, 0u);
    EXPECT_EQ(alert_rows(s), attacks_in(0, 600, 6));
    EXPECT_EQ(s.h->stop(), 0);
  }
  // While stopped: copytruncate, and the new content is already longer than the old position.
  ASSERT_EQ(::truncate(log.c_str(), 0), 0);
  append(log, log_lines(600, 1000, 6, "three"));
  {
    service_under_test s(dir, {log.string()});
    ASSERT_TRUE(s.up);
    ASSERT_TRUE(s.wait_stored(400)) << s.pipeline().stats().lines_stored;
    EXPECT_EQ(alert_rows(s), attacks_in(0, 1000, 6));
    EXPECT_EQ(s.h->stop(), 0);
  }
}

TEST(vigil_serve_tail, hostile_lines_are_counted_and_the_stream_goes_on) {
  temp_dir dir;
  const auto log = dir / "access.log";
  service_under_test s(dir, {log.string()}, {"tailer.max_line=65536"});
  ASSERT_TRUE(s.up);
  std::string junk = log_lines(0, 10, 5);
  junk += std::string(200000, 'A') + "\n";            // longer than max_line: skipped by the tailer
  junk += std::string("\x01\xff\xfe binary \x00 junk\n", 18);  // malformed for the parser
  junk += "\xc3\x28 invalid utf-8 \"GET /\" 200\n";
  junk += log_lines(10, 20, 5);
  append(log, junk);
  ASSERT_TRUE(s.wait_stored(22)) << s.pipeline().stats().lines_stored;  // 20 good + 2 malformed lines
  EXPECT_EQ(s.pipeline().stats().alerts_stored, 4u);
  EXPECT_EQ(s.pipeline().stats().malformed, 2u);
  EXPECT_EQ(s.tailer().status().at(0).skipped_long_lines, 1u);
  EXPECT_EQ(s.h->stop(), 0);
}

TEST(vigil_serve_tail, a_slow_store_stage_pauses_reading_and_loses_nothing) {
  temp_dir dir;
  const auto log = dir / "access.log";
  const int lines = 6000;
  append(log, log_lines(0, lines, 9));
  service_under_test s(dir, {log.string()},
                       {"pipeline.commit_delay=10ms", "pipeline.queue_capacity=2", "pipeline.max_commit_lines=50",
                        "tailer.read_bytes=4096"});
  ASSERT_TRUE(s.up);
  ASSERT_TRUE(s.wait_stored(lines, 120s)) << s.pipeline().stats().lines_stored;
  const auto stats = s.pipeline().stats();
  EXPECT_GT(stats.backpressure_waits, 0u);  // the tailer did wait for room
  EXPECT_EQ(stats.lines_read, static_cast<std::uint64_t>(lines));
  EXPECT_EQ(stats.lines_stored, static_cast<std::uint64_t>(lines));
  EXPECT_EQ(stats.alerts_stored, static_cast<std::uint64_t>(attacks_in(0, lines, 9)));
  EXPECT_EQ(alert_rows(s), attacks_in(0, lines, 9));
  EXPECT_EQ(s.h->stop(), 0);
}

}  // namespace
}  // namespace vigil::test
