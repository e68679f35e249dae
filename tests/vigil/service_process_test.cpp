// `vigil serve` as a real process: SIGKILL mid-file and restart (no line lost, no alert duplicated),
// SIGTERM drains every line read, check-config. The test reads the service's SQLite file directly.
#include <sys/stat.h>

#include <thread>

#include "service_fixture.hpp"
#include "vigil_process.hpp"

namespace vigil::test {
namespace {

long long stored_offset(const std::filesystem::path& db) {
  return sqlite_reader(db).number("SELECT COALESCE(MAX(byte_offset), 0) FROM vigil_positions", 0);
}

// Attack offsets below `limit` must each have exactly one alert, and nothing else may be stored.
void expect_exact_alerts(const std::filesystem::path& db, const std::vector<std::uint64_t>& attack_offsets,
                         long long limit) {
  std::vector<long long> expected;
  for (auto o : attack_offsets)
    if (static_cast<long long>(o) < limit) expected.push_back(static_cast<long long>(o));
  const auto stored = sqlite_reader(db).numbers("SELECT line_offset FROM vigil_alerts ORDER BY line_offset");
  EXPECT_EQ(stored.size(), expected.size());
  EXPECT_EQ(stored, expected);
}

TEST(vigil_serve_process, sigkill_mid_file_then_restart_loses_no_line_and_duplicates_no_alert) {
  temp_dir dir;
  const auto log = dir / "access.log";
  std::vector<std::uint64_t> attacks;
  const std::string text = log_lines(0, 20000, 7, "k", &attacks);
  append(log, text);
  const long long size = static_cast<long long>(text.size());
  // A slow store stage (fault injection) so that the kill lands mid-file.
  const std::vector<std::string> slow = {"pipeline.commit_delay=60ms", "pipeline.max_commit_lines=200",
                                         "tailer.read_bytes=8192"};
  {
    vigil_process first(serve_args(dir, log, slow), dir / "first.out");
    ASSERT_TRUE(eventually([&] { return stored_offset(dir / "vigil.db") > size / 10; }, 60s)) << first.output();
    first.signal(SIGKILL);
    const int status = first.wait();
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
  }
  const long long at_kill = stored_offset(dir / "vigil.db");
  ASSERT_GT(at_kill, 0);
  ASSERT_LT(at_kill, size) << "the kill came too late to be mid-file";
  expect_exact_alerts(dir / "vigil.db", attacks, at_kill);  // positions never run ahead of alerts

  vigil_process second(serve_args(dir, log, {}), dir / "second.out");
  ASSERT_TRUE(eventually([&] { return stored_offset(dir / "vigil.db") == size; }, 60s)) << second.output();
  second.signal(SIGTERM);
  const int status = second.wait();
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status << second.output();
  expect_exact_alerts(dir / "vigil.db", attacks, size);
}

TEST(vigil_serve_process, sigterm_drains_every_line_read_into_stored_alerts) {
  temp_dir dir;
  const auto log = dir / "access.log";
  std::vector<std::uint64_t> attacks;
  const std::string text = log_lines(0, 30000, 11, "t", &attacks);
  append(log, text);
  const long long size = static_cast<long long>(text.size());
  vigil_process p(serve_args(dir, log, {"pipeline.commit_delay=20ms", "pipeline.max_commit_lines=20",
                                       "pipeline.queue_capacity=16", "tailer.read_bytes=4096"}),
                  dir / "serve.out");
  ASSERT_TRUE(eventually([&] { return stored_offset(dir / "vigil.db") > 0; }, 60s)) << p.output();
  const long long at_signal = stored_offset(dir / "vigil.db");
  p.signal(SIGTERM);
  const int status = p.wait();
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status << p.output();
  const long long final_offset = stored_offset(dir / "vigil.db");
  EXPECT_GT(final_offset, at_signal) << "the queued batches were not drained";
  EXPECT_LT(final_offset, size);  // reading stopped at the signal: the rest waits for the next run
  expect_exact_alerts(dir / "vigil.db", attacks, final_offset);
}

TEST(vigil_serve_process, check_config_reports_a_bad_key_and_accepts_the_bundled_file) {
  temp_dir dir;
  {
    vigil_process ok({"check-config", "--set", "db.url=sqlite://" + (dir / "v.db").string()}, dir / "ok.out");
    const int status = ok.wait();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << ok.output();
  }
  vigil_process bad({"check-config", "--set", "tailer.start_at=middle", "--set", "pipeline.queue_capacty=3"},
                    dir / "bad.out");
  const int status = bad.wait();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 2) << bad.output();
  const auto out = bad.output();
  EXPECT_NE(out.find("tailer.start_at"), std::string::npos) << out;
  EXPECT_NE(out.find("queue_capacity"), std::string::npos) << out;  // the suggestion for the typo
  EXPECT_FALSE(std::filesystem::exists(dir / "v.db"));
}

}  // namespace
}  // namespace vigil::test

namespace vigil::test {
namespace {

// The production sample in deploy/ (also the Kubernetes ConfigMap) is a configuration vigil accepts.
TEST(vigil_serve_process, the_deploy_sample_configuration_passes_check_config) {
  temp_dir dir;
  vigil_process p({"check-config", "--config", std::string(LIFESPAN_SOURCE_DIR) + "/deploy/config/vigil.yaml"},
                  dir / "check.out");
  const int status = p.wait();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << p.output();
}

}  // namespace
}  // namespace vigil::test
