// vigil serve: latency from a line written to the log file to its alert stored in SQLite, at a fixed
// write rate (the target: p99 <= 100 ms at 20 k lines/s), and the highest sustained rate.
//
// The whole service runs in-process (vigil::service::assemble, real SQLite file, real inotify); a
// writer appends paced lines (one write every millisecond) and records the time each attack line was
// written; the pipeline's commit observer takes the time its alert was committed.
//
//   build/release/bench/vigil_serve_latency --benchmark_counters_tabular=true
//   VIGIL_BENCH_CORPUS=crs-held.log build/release/bench/vigil_serve_latency ...
//   VIGIL_BENCH_DETECT_THREADS=1 build/release/bench/vigil_serve_latency ...
//
// With VIGIL_BENCH_CORPUS the lines come from that file (cycled; bench/vigil/crs_corpus.py writes
// Debian-derived attacks among varied benign traffic), and every alert's latency counts.
// VIGIL_BENCH_DETECT_THREADS sets pipeline.detect_threads (default: the pipeline's, one per core).
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>

#include "lifespan/testing/harness.hpp"
#include "service/pipeline.hpp"
#include "service/service_main.hpp"

namespace {

using clock_type = std::chrono::steady_clock;

// The corpus named by VIGIL_BENCH_CORPUS, one entry per line with its newline; empty when unset.
const std::vector<std::string>& corpus() {
  static const std::vector<std::string> lines = [] {
    std::vector<std::string> out;
    if (const char* path = std::getenv("VIGIL_BENCH_CORPUS")) {
      std::ifstream in(path);
      for (std::string l; std::getline(in, l);) out.push_back(l + "\n");
    }
    return out;
  }();
  return lines;
}

std::string line(int i, bool attack) {
  if (const auto& c = corpus(); !c.empty()) return c[static_cast<std::size_t>(i) % c.size()];
  const auto target = attack ? fmt::format("/search?q=%3Cscript%3Ealert({})%3C/script%3E", i)
                             : fmt::format("/products/{}?ref=home&page={}", i % 5000, i % 7);
  return fmt::format("10.{}.{}.{} - - [28/Nov/2026:12:{:02}:{:02} +0000] \"GET {} HTTP/1.1\" 200 {} \"-\" "
                     "\"Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0\"\n",
                     (i >> 16) & 255, (i >> 8) & 255, i & 255, (i / 60) % 60, i % 60, target, 200 + i % 800);
}

struct grab : lifespan::component {
  explicit grab(std::atomic<vigil::service::pipeline*>* out) : out_(out) {}
  void start(lifespan::context& ctx) override { out_->store(&ctx.get<vigil::service::pipeline>()); }
  void stop(lifespan::time_point) override { out_->store(nullptr); }
  std::atomic<vigil::service::pipeline*>* out_;
};

void BM_line_to_alert_latency(benchmark::State& state) {
  const int rate = static_cast<int>(state.range(0));  // lines per second
  const int seconds = 4;
  const int attack_every = 20;
  corpus();  // read the file now: loading it inside the paced loop would delay the first writes, then burst
  for (auto _ : state) {
    std::string pattern = (std::filesystem::temp_directory_path() / "vigil-bench-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) return state.SkipWithError("mkdtemp failed");
    const std::filesystem::path dir = pattern;
    const auto log = dir / "access.log";
    lifespan::service_options o;
    o.own_signals = false;
    o.read_environment = false;
    o.install_logger = false;
    o.config_overrides = {"db.url=sqlite://" + (dir / "vigil.db").string(), "tailer.paths=[" + log.string() + "]",
                          "http.port=0", "http.address=127.0.0.1", "http.threads=1", "shutdown.readiness_delay=0s",
                          "models.root=" + (dir / "models").string()};
    if (const char* threads = std::getenv("VIGIL_BENCH_DETECT_THREADS"))
      o.config_overrides.push_back(std::string("pipeline.detect_threads=") + threads);
    lifespan::service svc("vigil", o);
    vigil::service::assemble(svc);
    std::atomic<vigil::service::pipeline*> pipeline{nullptr};
    svc.add<grab>("grab", &pipeline).ready_gating().depends_on<vigil::service::pipeline>();
    lifespan::testing::harness h(svc);
    h.start();
    if (!h.wait_for_event(lifespan::event_kind::component_up, "grab")) return state.SkipWithError("service did not start");

    std::mutex mutex;
    std::unordered_map<std::uint64_t, clock_type::time_point> written;  // attack line offset -> write time
    std::vector<double> latencies_ms;
    pipeline.load()->on_commit([&](const std::vector<vigil::service::alert>& alerts, std::uint64_t) {
      const auto now = clock_type::now();
      std::lock_guard lock(mutex);
      for (const auto& a : alerts) {
        auto it = written.find(a.offset);
        if (it != written.end()) latencies_ms.push_back(std::chrono::duration<double, std::milli>(now - it->second).count());
      }
    });

    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    const int total = rate * seconds;
    const int per_tick = std::max(1, rate / 1000);
    std::uint64_t offset = 0;
    int i = 0;
    const auto begin = clock_type::now();
    auto tick = begin;
    std::string chunk;
    std::vector<std::uint64_t> attack_offsets;
    while (i < total) {
      chunk.clear();
      attack_offsets.clear();
      for (int k = 0; k < per_tick && i < total; ++k, ++i) {
        const bool attack = i % attack_every == 0;
        if (attack || !corpus().empty()) attack_offsets.push_back(offset + chunk.size());
        chunk += line(i, attack);
      }
      {
        std::lock_guard lock(mutex);  // recorded before the write: the alert cannot come first
        const auto now = clock_type::now();
        for (auto a : attack_offsets) written[a] = now;
      }
      if (::write(fd, chunk.data(), chunk.size()) != static_cast<ssize_t>(chunk.size())) break;
      offset += chunk.size();
      tick += std::chrono::microseconds(1000);
      std::this_thread::sleep_until(tick);
    }
    const double write_seconds = std::chrono::duration<double>(clock_type::now() - begin).count();
    ::close(fd);
    const bool done = pipeline.load()->wait_for(
        [&](const vigil::service::pipeline_stats& s) { return s.lines_stored >= static_cast<std::uint64_t>(total); },
        std::chrono::seconds(120));
    const double all_seconds = std::chrono::duration<double>(clock_type::now() - begin).count();
    const double detect_threads = pipeline.load()->stats().detect_threads;
    pipeline.load()->on_commit({});
    h.stop();
    std::filesystem::remove_all(dir);
    if (!done) return state.SkipWithError("not every line was stored within 120 s");
    std::sort(latencies_ms.begin(), latencies_ms.end());
    auto pct = [&](double p) {
      return latencies_ms.empty() ? 0.0 : latencies_ms[std::min(latencies_ms.size() - 1, static_cast<std::size_t>(p * latencies_ms.size()))];
    };
    state.counters["alerts"] = static_cast<double>(latencies_ms.size());
    state.counters["p50_ms"] = pct(0.50);
    state.counters["p99_ms"] = pct(0.99);
    state.counters["max_ms"] = latencies_ms.empty() ? 0.0 : latencies_ms.back();
    state.counters["written_lines_per_s"] = total / write_seconds;
    state.counters["stored_lines_per_s"] = total / all_seconds;
    state.counters["detect_threads"] = detect_threads;
  }
}
BENCHMARK(BM_line_to_alert_latency)->Arg(20000)->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_line_to_alert_latency)->Arg(100000)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
