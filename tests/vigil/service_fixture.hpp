#pragma once
// What the service tests share: temporary directories, log lines whose verdict is known (benign or one
// rule alert each, every line from its own client so no behaviour window fires), appending to files,
// reading the service's SQLite database directly, and the whole service assembled in-process.
#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "lifespan/core/service.hpp"
#include "lifespan/testing/harness.hpp"
#include "service/alert_store.hpp"
#include "service/pipeline.hpp"
#include "service/rules_component.hpp"
#include "service/service_main.hpp"
#include "service/tailer.hpp"

#include "common/temp_dir.hpp"

namespace vigil::test {

using namespace std::chrono_literals;

// A fresh directory for one test (tests/common/temp_dir.hpp), named vigil-serve-XXXXXX.
class temp_dir : public lifespan::test::temp_dir {
 public:
  temp_dir() : lifespan::test::temp_dir("vigil-serve") {}
};

// Polls `done` every 10 ms until it holds or `timeout` passes, for state that sends no event to wait
// on (another process's database or HTTP answers, a sink's counters).
template <class F>
bool eventually(F done, std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

// Line `i` of a generated log; every `attack_every`-th line is an attack that raises exactly one alert.
inline bool is_attack(int i, int attack_every) { return attack_every > 0 && i % attack_every == 0; }
inline std::string log_line(int i, int attack_every, std::string_view tag = "a") {
  const std::string client = fmt::format("10.{}.{}.{}", (i >> 16) & 255, (i >> 8) & 255, i & 255);
  const std::string target = is_attack(i, attack_every)
                                 ? fmt::format("/search?q=%3Cscript%3Ealert({})%3C/script%3E&t={}", i, tag)
                                 : fmt::format("/products/{}?t={}", i, tag);
  return fmt::format("{} - - [28/Nov/2026:12:00:{:02} +0000] \"GET {} HTTP/1.1\" 200 {} \"-\" "
                     "\"Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0\"\n",
                     client, i % 60, target, 100 + i % 900);
}

// Lines [from, to) as one string; `offsets` (when given) receives each attack line's byte offset,
// counted from `base`.
inline std::string log_lines(int from, int to, int attack_every, std::string_view tag = "a",
                             std::vector<std::uint64_t>* offsets = nullptr, std::uint64_t base = 0) {
  std::string out;
  for (int i = from; i < to; ++i) {
    if (offsets && is_attack(i, attack_every)) offsets->push_back(base + out.size());
    out += log_line(i, attack_every, tag);
  }
  return out;
}
inline int attacks_in(int from, int to, int attack_every) {
  int n = 0;
  for (int i = from; i < to; ++i) n += is_attack(i, attack_every);
  return n;
}

inline void append(const std::filesystem::path& file, std::string_view text) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error("cannot open " + file.string());
  std::size_t done = 0;
  while (done < text.size()) {
    const auto n = ::write(fd, text.data() + done, text.size() - done);
    if (n <= 0) throw std::runtime_error("write failed");
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
}

// Read-only queries on the service's SQLite file (WAL: safe while the service writes).
class sqlite_reader {
 public:
  explicit sqlite_reader(const std::filesystem::path& file) {
    // A file that does not exist yet (the service has not created it) answers every query with the fallback.
    if (sqlite3_open_v2(file.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
      sqlite3_close(db_);
      db_ = nullptr;
      return;
    }
    sqlite3_busy_timeout(db_, 5000);
  }
  ~sqlite_reader() { sqlite3_close(db_); }
  // The first column of the first row as an integer; `fallback` when there is no row or no table.
  long long number(const std::string& sql, long long fallback = -1) const {
    sqlite3_stmt* st = nullptr;
    if (!db_ || sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) return fallback;
    long long v = fallback;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
  }
  std::vector<long long> numbers(const std::string& sql) const {
    std::vector<long long> out;
    sqlite3_stmt* st = nullptr;
    if (!db_ || sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) return out;
    while (sqlite3_step(st) == SQLITE_ROW) out.push_back(sqlite3_column_int64(st, 0));
    sqlite3_finalize(st);
    return out;
  }

 private:
  sqlite3* db_ = nullptr;
};

// An alert as the pipeline would store it (line offset i * 100 of /var/log/access.log, rule "r<i>").
inline service::alert make_alert(int i, std::string client, severity level, std::vector<std::string> categories) {
  service::alert a;
  a.key = fmt::format("1:2:0:00ff:{}:rule", i * 100);
  a.time = 1'700'000'000 + i;
  a.client = std::move(client);
  a.method = "GET";
  a.path = fmt::format("/x?{}", i);
  a.status = 200;
  a.user_agent = "curl/8";
  a.rule_ids = {"r" + std::to_string(i)};
  a.categories = std::move(categories);
  a.level = level;
  a.mode = "rules";
  a.kind = "rule";
  a.file = "/var/log/access.log";
  a.offset = static_cast<std::uint64_t>(i) * 100;
  return a;
}

inline lifespan::service_options quiet(std::vector<std::string> overrides) {
  lifespan::service_options o;
  o.own_signals = false;
  o.read_environment = false;
  o.install_logger = false;
  o.config_overrides = std::move(overrides);
  return o;
}

// Hands the test the running components (ready-gating, so it starts once they are all up).
struct component_pointers {
  std::atomic<service::pipeline*> pipeline{nullptr};
  std::atomic<service::tailer*> tailer{nullptr};
  std::atomic<service::alert_store*> alerts{nullptr};
  std::atomic<service::rules_component*> rules{nullptr};
};
class grab_all : public lifespan::component {
 public:
  explicit grab_all(std::shared_ptr<component_pointers> out) : out_(std::move(out)) {}
  void start(lifespan::context& ctx) override {
    out_->pipeline = &ctx.get<service::pipeline>();
    out_->tailer = &ctx.get<service::tailer>();
    out_->alerts = &ctx.get<service::alert_store>();
    out_->rules = &ctx.get<service::rules_component>();
  }
  void stop(lifespan::time_point) override {
    out_->pipeline = nullptr;
    out_->tailer = nullptr;
    out_->alerts = nullptr;
    out_->rules = nullptr;
  }

 private:
  std::shared_ptr<component_pointers> out_;
};

// The whole service (vigil::service::assemble) in-process on a temporary SQLite file, HTTP on a free
// loopback port, following `logs`. Extra overrides come last and win.
class service_under_test {
 public:
  // `config`: a configuration file under the overrides (none when empty).
  service_under_test(const temp_dir& dir, std::vector<std::string> logs, std::vector<std::string> extra = {},
                     const std::function<void(lifespan::service&)>& add = {}, const std::filesystem::path& config = {})
      : db_file(dir / "vigil.db"), svc("vigil", with_file(quiet(overrides(dir, logs, extra)), config)) {
    // As `vigil serve` does: the components the configuration names (webhook endpoints) first.
    service::assemble(svc, service::read_layout({.config = config, .set = overrides(dir, logs, extra)}, false));
    if (add) add(svc);
    svc.add<grab_all>("grab", parts).ready_gating()
        .depends_on<service::pipeline>().depends_on<service::tailer>()
        .depends_on<service::alert_store>().depends_on<service::rules_component>();
    h = std::make_unique<lifespan::testing::harness>(svc);
    h->start();
    up = h->wait_for_event(lifespan::event_kind::component_up, "grab", 60s);
  }
  ~service_under_test() { h.reset(); }

  service::pipeline& pipeline() { return *parts->pipeline.load(); }
  service::tailer& tailer() { return *parts->tailer.load(); }
  service::alert_store& alerts() { return *parts->alerts.load(); }
  service::rules_component& rules() { return *parts->rules.load(); }

  // Waits (on commits, not on a timer) until `lines` lines are stored.
  bool wait_stored(std::uint64_t lines, std::chrono::milliseconds timeout = 60s) {
    return pipeline().wait_for([&](const service::pipeline_stats& s) { return s.lines_stored >= lines; }, timeout);
  }

  std::filesystem::path db_file;
  lifespan::service svc;
  std::shared_ptr<component_pointers> parts = std::make_shared<component_pointers>();
  std::unique_ptr<lifespan::testing::harness> h;
  bool up = false;

 private:
  static lifespan::service_options with_file(lifespan::service_options o, const std::filesystem::path& config) {
    o.config_file = config;
    return o;
  }
  static std::vector<std::string> overrides(const temp_dir& dir, const std::vector<std::string>& logs,
                                            const std::vector<std::string>& extra) {
    std::string paths = "[";
    for (std::size_t i = 0; i < logs.size(); ++i) paths += (i ? ", " : "") + logs[i];
    paths += "]";
    std::vector<std::string> out = {"db.url=sqlite://" + (dir / "vigil.db").string(), "tailer.paths=" + paths,
                                    "tailer.poll_interval=100ms", "tailer.rotate_grace=300ms", "shutdown.readiness_delay=0s",
                                    "http.port=0", "http.address=127.0.0.1", "http.threads=1",
                                    "models.root=" + (dir / "models").string(),
                                    // CRS has its own tests (service_crs_test.cpp); the others count
                                    // the alerts of vigil's own rules.
                                    "rules.crs.enabled=false"};
    out.insert(out.end(), extra.begin(), extra.end());
    return out;
  }
};

// Waits until `count` reloads (SIGHUP or request_reload) have finished.
inline bool reloaded(service_under_test& s, std::size_t count) {
  return s.h->wait_for([count](const std::vector<lifespan::lifecycle_event>& events) {
    std::size_t n = 0;
    for (const auto& e : events) n += e.kind == lifespan::event_kind::reload_finished;
    return n >= count;
  });
}

// What the last finished reload reported (empty when every component applied it).
inline std::string last_reload_detail(service_under_test& s) {
  std::string detail;
  for (const auto& e : s.h->events())
    if (e.kind == lifespan::event_kind::reload_finished) detail = e.detail;
  return detail;
}

}  // namespace vigil::test
