// The pipeline's parallel detection inside the real service (in-process, a real log file, inotify,
// real SQLite): with 2 to 4 detect workers the stored alerts (every column, in store order) and the
// saved positions are those of one worker, on the CRS held-out corpus with CRS on, behaviour windows
// firing, in rules and in hybrid mode; and stopping mid-stream with 4 workers stores every line read.
#include <sqlite3.h>

#include <fstream>
#include <sstream>

#include "service_fixture.hpp"

namespace vigil::test {
namespace {

const std::filesystem::path source_dir = LIFESPAN_SOURCE_DIR;

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Rows of a query, each row's columns joined with " | " (NULL as "NULL").
std::vector<std::string> rows(const std::filesystem::path& db_file, const std::string& sql) {
  std::vector<std::string> out;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    ADD_FAILURE() << "cannot open " << db_file;
    return out;
  }
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << sqlite3_errmsg(db) << " in " << sql;
    sqlite3_close(db);
    return out;
  }
  while (sqlite3_step(st) == SQLITE_ROW) {
    std::string row;
    for (int c = 0; c < sqlite3_column_count(st); ++c) {
      const auto* text = sqlite3_column_text(st, c);
      row += (c ? " | " : "") + (text ? std::string(reinterpret_cast<const char*>(text)) : std::string("NULL"));
    }
    out.push_back(std::move(row));
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

// Every stored column but the store's clock, in store order (seq).
const std::string alerts_sql =
    "SELECT seq, alert_key, at, client, proxy, country, method, path, status, user_agent, rule_ids, categories, "
    "model_score, severity, mode, kind, file, line_offset, anomaly_score, crs FROM vigil_alerts ORDER BY seq";
const std::string positions_sql =
    "SELECT path, device, inode, fingerprint, fingerprint_length, truncations, byte_offset FROM vigil_positions "
    "ORDER BY path";

struct outcome {
  std::vector<std::string> alerts, positions;
  std::vector<long long> offsets;  // line_offset in store order
  service::pipeline_stats stats;
};

// Windows that the corpus's attackers (a few addresses each, a line every few seconds) set off.
const std::vector<std::string> busy_windows = {
    "pipeline.behaviour_windows.not_found.threshold=2", "pipeline.behaviour_windows.not_found.window=1h",
    "pipeline.behaviour_windows.flood.threshold=4", "pipeline.behaviour_windows.flood.window=1h"};

// One service run over `text`, written to `log` once the service is up (and, with `hybrid`, serving
// the bundled model), in a fresh database; small batches and short queues so workers overtake each
// other and wait for the window. Every run appends the same bytes to the same file (emptied before).
outcome run(const std::filesystem::path& log, const std::string& text, unsigned threads, bool hybrid) {
  outcome o;
  temp_dir dir;
  append(log, "");  // created by the first run, emptied by the next ones: same inode, same alert keys
  std::filesystem::resize_file(log, 0);
  std::vector<std::string> extra = {"rules.crs.enabled=true", "pipeline.detect_threads=" + std::to_string(threads),
                                    "pipeline.queue_capacity=4", "tailer.read_bytes=4096"};
  extra.insert(extra.end(), busy_windows.begin(), busy_windows.end());
  if (hybrid)
    std::filesystem::copy(source_dir / "apps/vigil/models", dir / "models", std::filesystem::copy_options::recursive);
  service_under_test s(dir, {log.string()}, extra);
  EXPECT_TRUE(s.up);
  if (!s.up) return o;
  EXPECT_NE(s.rules().crs(), nullptr) << "CRS did not load";
  if (hybrid && !eventually([&] { return s.pipeline().mode() == "hybrid"; }, 60s)) {
    ADD_FAILURE() << "the bundled model was not served";
    return o;
  }
  append(log, text);
  const auto lines = static_cast<std::uint64_t>(std::count(text.begin(), text.end(), '\n'));
  EXPECT_TRUE(s.wait_stored(lines, 120s)) << s.pipeline().stats().lines_stored << " of " << lines;
  o.stats = s.pipeline().stats();
  EXPECT_EQ(s.h->stop(), 0);
  o.alerts = rows(s.db_file, alerts_sql);
  o.positions = rows(s.db_file, positions_sql);
  for (auto v : sqlite_reader(s.db_file).numbers("SELECT line_offset FROM vigil_alerts ORDER BY seq")) o.offsets.push_back(v);
  return o;
}

// The first row where two runs differ, to keep a failure readable.
std::string first_difference(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i)
    if (a[i] != b[i]) return "row " + std::to_string(i) + ":\n  " + a[i] + "\n  " + b[i];
  return a.size() == b.size() ? "" : "sizes " + std::to_string(a.size()) + " and " + std::to_string(b.size());
}

void expect_same_as_one_thread(bool hybrid) {
  temp_dir logs;
  const auto log = logs / "access.log";
  const std::string text = read_file(source_dir / "tests/vigil/data/crs/heldout.log");
  ASSERT_FALSE(text.empty());
  const auto one = run(log, text, 1, hybrid);
  ASSERT_FALSE(one.alerts.empty());
  std::size_t behaviour = 0, crs = 0, model = 0;
  for (const auto& row : one.alerts) {
    for (const char* kind : {" | flood | ", " | not_found_burst | ", " | failed_logins | "})
      behaviour += row.find(kind) != std::string::npos;
    crs += row.find("\"threshold\":5") != std::string::npos;
    model += row.find(" | model | ") != std::string::npos;
  }
  EXPECT_GT(behaviour, 0u) << "no behaviour window fired: the comparison would not cover their order";
  EXPECT_GT(crs, 0u) << "CRS raised nothing";
  if (hybrid) {
    EXPECT_GT(model, 0u) << "no model alert";
  } else {
    EXPECT_TRUE(std::is_sorted(one.offsets.begin(), one.offsets.end())) << "alerts out of line order";
  }
  ASSERT_EQ(one.positions.size(), 1u);
  for (unsigned threads = 2; threads <= 4; ++threads) {
    SCOPED_TRACE(testing::Message() << threads << " detect threads");
    const auto many = run(log, text, threads, hybrid);
    EXPECT_EQ(many.stats.detect_threads, threads);
    EXPECT_EQ(many.alerts.size(), one.alerts.size());
    EXPECT_TRUE(many.alerts == one.alerts) << first_difference(one.alerts, many.alerts);
    EXPECT_EQ(many.positions, one.positions);
    EXPECT_EQ(many.stats.lines_detected, one.stats.lines_detected);
    EXPECT_EQ(many.stats.malformed, one.stats.malformed);
    EXPECT_EQ(many.stats.alerts_vetoed, one.stats.alerts_vetoed);
    EXPECT_EQ(many.stats.behaviour_clients, one.stats.behaviour_clients);
  }
}

TEST(vigil_serve_pipeline, two_to_four_detect_threads_store_what_one_stores_in_rules_mode) {
  expect_same_as_one_thread(false);
}

TEST(vigil_serve_pipeline, two_to_four_detect_threads_store_what_one_stores_in_hybrid_mode) {
  expect_same_as_one_thread(true);
}

TEST(vigil_serve_pipeline, stopping_mid_stream_with_four_workers_stores_every_line_read) {
  temp_dir dir;
  const auto log = dir / "access.log";
  const int total = 30000;
  std::vector<std::uint64_t> attacks;
  const std::string text = log_lines(0, total, 11, "p", &attacks);
  append(log, text);
  const std::vector<std::string> slow = {"pipeline.detect_threads=4", "pipeline.commit_delay=20ms",
                                         "pipeline.max_commit_lines=20", "pipeline.queue_capacity=16",
                                         "tailer.read_bytes=4096"};
  auto alert_offsets = [&] { return sqlite_reader(dir / "vigil.db").numbers("SELECT line_offset FROM vigil_alerts ORDER BY seq"); };
  auto expected_below = [&](long long limit) {
    std::vector<long long> out;
    for (auto a : attacks)
      if (static_cast<long long>(a) < limit) out.push_back(static_cast<long long>(a));
    return out;
  };
  long long at_stop = 0;
  std::uint64_t first_run_lines = 0;
  {
    service_under_test s(dir, {log.string()}, slow);
    ASSERT_TRUE(s.up);
    ASSERT_TRUE(s.wait_stored(1));
    auto& p = s.pipeline();
    EXPECT_EQ(s.h->stop(), 0);  // the tailer stops reading; the pipeline drains what it accepted
    const auto st = p.stats();
    first_run_lines = st.lines_read;
    EXPECT_LT(st.lines_read, static_cast<std::uint64_t>(total)) << "the stop came too late to be mid-stream";
    EXPECT_EQ(st.lines_detected, st.lines_read);
    EXPECT_EQ(st.lines_analyzed, st.lines_read);
    EXPECT_EQ(st.lines_stored, st.lines_read);
    at_stop = sqlite_reader(dir / "vigil.db").number("SELECT byte_offset FROM vigil_positions", 0);
    // The saved position is just past the last line read, and exactly the alerts below it are stored.
    std::size_t end = 0;
    for (std::uint64_t i = 0; i < st.lines_read; ++i) end = text.find('\n', end) + 1;
    EXPECT_EQ(at_stop, static_cast<long long>(end));
    EXPECT_EQ(alert_offsets(), expected_below(at_stop));
  }
  service_under_test again(dir, {log.string()}, {"pipeline.detect_threads=4"});
  ASSERT_TRUE(again.up);
  ASSERT_TRUE(again.wait_stored(static_cast<std::uint64_t>(total) - first_run_lines, 120s));  // it resumes at the saved position
  EXPECT_EQ(again.h->stop(), 0);
  EXPECT_EQ(sqlite_reader(dir / "vigil.db").number("SELECT byte_offset FROM vigil_positions", 0),
            static_cast<long long>(text.size()));
  EXPECT_EQ(alert_offsets(), expected_below(static_cast<long long>(text.size())));  // none lost, none twice
}

}  // namespace
}  // namespace vigil::test
