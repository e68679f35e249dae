// Paths the tailer cannot follow: a FIFO (must not block the tailer, nor its stop; a regular file put
// there later is followed), a directory next to vigil's own log (logged once, not at every wake-up:
// no feedback loop), and events about files nobody follows (dropped without a round of polls).
#include <sys/stat.h>

#include <fstream>

#include "http/client.hpp"
#include "service_fixture.hpp"
#include "vigil_process.hpp"

namespace vigil::test {
namespace {

// The port in the address file `vigil serve` writes once it listens; 0 when it does not within 60 s.
std::uint16_t http_port(const std::filesystem::path& address_file) {
  std::string address;
  eventually([&] {
    std::ifstream in(address_file);
    in >> address;
    return !address.empty();
  }, 60s);
  const auto colon = address.rfind(':');
  return colon == std::string::npos ? 0 : static_cast<std::uint16_t>(std::stoi(address.substr(colon + 1)));
}

// {state, reason} of one component in /health/detailed.
std::pair<std::string, std::string> component_health(std::uint16_t port, const std::string& name) {
  try {
    const auto body = lifespan::test::fetch(port, "/health/detailed").json();
    for (const auto& c : body["components"])
      if (c["name"] == name) return {c["state"].get<std::string>(), c["reason"].get<std::string>()};
  } catch (const std::exception&) {
  }
  return {};
}

std::size_t occurrences(const std::string& text, std::string_view what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

long long stored_bytes(const std::filesystem::path& db) {
  return sqlite_reader(db).number("SELECT COALESCE(SUM(byte_offset), 0) FROM vigil_positions", 0);
}

TEST(vigil_serve_tail_faults, a_fifo_at_the_path_is_reported_and_a_file_that_replaces_it_is_followed) {
  temp_dir dir;
  const auto log = dir / "access.log";
  ASSERT_EQ(::mkfifo(log.c_str(), 0644), 0);
  vigil_process p(serve_args(dir, log, {"tailer.health_interval=100ms"}), dir / "vigil.out");
  const auto port = http_port(dir / "http.address");
  ASSERT_GT(port, 0) << p.output();
  // Before: open() waited for a writer forever, the tailer stayed `starting`.
  ASSERT_TRUE(eventually([&] { return component_health(port, "tailer").first == "degraded"; }, 30s))
      << component_health(port, "tailer").second << p.output();
  const auto reason = component_health(port, "tailer").second;
  EXPECT_NE(reason.find(log.string() + " is a FIFO"), std::string::npos) << reason;
  EXPECT_EQ(lifespan::test::fetch(port, "/readyz").status, 200);  // degraded, yet ready (ready_when_degraded)

  // A regular file takes the FIFO's place: followed from its start.
  const std::string text = log_lines(0, 200, 10);
  append(dir / "next.log", text);
  std::filesystem::rename(dir / "next.log", log);
  ASSERT_TRUE(eventually([&] { return stored_bytes(dir / "vigil.db") == static_cast<long long>(text.size()); }, 60s))
      << p.output();
  EXPECT_EQ(sqlite_reader(dir / "vigil.db").number("SELECT COUNT(*) FROM vigil_alerts"), attacks_in(0, 200, 10));
  ASSERT_TRUE(eventually([&] { return component_health(port, "tailer").first == "up"; }, 30s))
      << component_health(port, "tailer").second;

  // And the stop is prompt and clean (it took 21 s and exit 3 with the tailer stuck in open()).
  const auto signalled = std::chrono::steady_clock::now();
  p.signal(SIGTERM);
  const int status = p.wait(30s);
  EXPECT_LT(std::chrono::steady_clock::now() - signalled, 10s);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status << p.output();
  EXPECT_EQ(occurrences(p.output(), "follows regular files only"), 1u) << p.output();
}

TEST(vigil_serve_tail_faults, a_directory_at_the_path_is_logged_once_even_with_vigils_log_beside_it) {
  temp_dir dir;
  const auto logs = dir / "logs";
  const auto wrong = logs / "access.log";  // a directory where the log file should be
  const auto real = logs / "real.log";
  std::filesystem::create_directories(wrong);
  // vigil's own output goes into the watched directory: every line it logs is an event there.
  vigil_process p(serve_args(dir, wrong, {"tailer.paths=[" + wrong.string() + ", " + real.string() + "]",
                                          "tailer.health_interval=100ms"}),
                  logs / "vigil.out");
  const auto port = http_port(dir / "http.address");
  ASSERT_GT(port, 0) << p.output();
  // Rounds of polls, each sure to have run (its lines are stored), while vigil logs beside the files.
  long long size = 0;
  for (int round = 0; round < 5; ++round) {
    const auto text = log_lines(100 * round, 100 * (round + 1), 10);
    append(real, text);
    size += static_cast<long long>(text.size());
    ASSERT_TRUE(eventually([&] { return stored_bytes(dir / "vigil.db") == size; }, 60s)) << round;
  }
  // Before: one error per wake-up, each one waking the tailer again (2.3 M lines in 12 s).
  ASSERT_EQ(occurrences(p.output(), "follows regular files only"), 1u) << p.output().substr(0, 4000);
  ASSERT_TRUE(eventually([&] { return component_health(port, "tailer").first == "degraded"; }, 30s));
  EXPECT_NE(component_health(port, "tailer").second.find(wrong.string() + " is a directory"), std::string::npos)
      << component_health(port, "tailer").second;

  // Replaced by a regular file: followed, and the change is logged once.
  std::filesystem::remove(wrong);
  append(wrong, log_lines(1000, 1100, 10));
  size += static_cast<long long>(log_lines(1000, 1100, 10).size());
  ASSERT_TRUE(eventually([&] { return stored_bytes(dir / "vigil.db") == size; }, 60s)) << p.output();
  p.signal(SIGTERM);
  const int status = p.wait(30s);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status << p.output();
  EXPECT_EQ(occurrences(p.output(), "follows regular files only"), 1u) << p.output();
  EXPECT_EQ(occurrences(p.output(), "changed (it is a directory"), 1u) << p.output();
}

TEST(vigil_serve_tail_faults, events_about_files_nobody_follows_start_no_round) {
  temp_dir dir;
  const auto log = dir / "access.log";
  append(log, log_lines(0, 20, 10));
  service_under_test s(dir, {log.string()});
  ASSERT_TRUE(s.up);
  ASSERT_TRUE(s.wait_stored(20));
  const auto before = s.tailer().wakeups();
  // Each append opens, writes and closes: a modify and a close-write event, never merged.
  for (int i = 0; i < 100; ++i) append(dir / "other.log", "a line of another program's log\n");
  ASSERT_TRUE(eventually([&] { return s.tailer().wakeups().events_ignored >= before.events_ignored + 200; }))
      << s.tailer().wakeups().events_ignored - before.events_ignored;
  // At most the followed file's own last events, still queued when its lines were stored.
  EXPECT_LE(s.tailer().wakeups().rounds_on_events - before.rounds_on_events, 2u);
  // Events about the followed file still start rounds at once.
  append(log, log_lines(20, 40, 10));
  ASSERT_TRUE(s.wait_stored(40));
  EXPECT_GT(s.tailer().wakeups().rounds_on_events, before.rounds_on_events);
  EXPECT_EQ(s.h->stop(), 0);
}

}  // namespace
}  // namespace vigil::test
