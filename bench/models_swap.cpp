// Swapping under load, and memory after many swaps (same model as models_predict).
//
//   BM_predict_p99/swap:0|1   batch-1 predictions on one thread for ~2 s; with swap:1 a second thread
//                             publishes a new version every 20 ms (copy + manifest + rescan: load and
//                             warm beside the old one, publish, reap). Counters: p50_us, p99_us, swaps.
//                             Target: p99 with swapping <= 1.5x without.
//   BM_rss_after_swaps/N      RSS once one version serves, then after N swaps (1000, 3000) (each awaited until
//                             the new version serves and the old one is reaped + malloc_trim).
//                             Counters: rss_before_kib, rss_after_kib, after_over_before (target <= 1.05),
//                             heap_in_use_delta_kib (allocated and not freed: a leak, not fragmentation).
#include <benchmark/benchmark.h>

#include <malloc.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "lifespan/models/manager.hpp"
#include "models_fixture.hpp"

namespace {
using namespace std::chrono_literals;
namespace lm = lifespan::models;

std::unique_ptr<lm::manager> make(const models_bench::repo& r) {
  lm::manager_options o;
  o.root = r.models();
  o.watch = false;  // the writer calls rescan(): the swap period is the writer's
  o.models["scorer"].required = true;
  lm::loader_registry loaders;
  lm::add_xgboost_loader(loaders);
  auto m = std::make_unique<lm::manager>(o, std::move(loaders));
  m->start();
  if (!m->wait_ready(60s)) throw std::runtime_error("model did not load");
  return m;
}

void wait_settled(lm::manager& m) {
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (m.live_versions() != 1 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
}

void BM_predict_p99(benchmark::State& st) {
  models_bench::repo r;
  r.publish("scorer", 1);
  auto m = make(r);
  auto ref = m->model("scorer");
  auto x = models_bench::rows(1, 9);
  std::vector<float> scores;
  std::atomic<bool> done{false};
  std::atomic<int> swaps{0};
  std::thread writer;
  if (st.range(0)) {
    writer = std::thread([&] {
      std::uint64_t v = 1;
      auto next = std::chrono::steady_clock::now();
      while (!done) {
        next += 20ms;
        std::this_thread::sleep_until(next);
        r.publish("scorer", ++v);
        m->rescan();
        if (v > 3) r.remove("scorer", v - 3);
        ++swaps;
      }
    });
  }
  std::vector<double> lat;
  lat.reserve(200000);
  for (auto _ : st) {
    auto until = std::chrono::steady_clock::now() + 2s;
    while (std::chrono::steady_clock::now() < until) {
      auto t0 = std::chrono::steady_clock::now();
      auto h = ref.acquire();
      h.predict(x, 1, scores);
      lat.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
    }
  }
  done = true;
  if (writer.joinable()) writer.join();
  std::sort(lat.begin(), lat.end());
  st.counters["p50_us"] = lat[lat.size() / 2];
  st.counters["p99_us"] = lat[lat.size() * 99 / 100];
  st.counters["predictions"] = static_cast<double>(lat.size());
  st.counters["swaps"] = swaps.load();
}
BENCHMARK(BM_predict_p99)->ArgName("swap")->Arg(0)->Arg(1)->Iterations(1)->Unit(benchmark::kMillisecond);

void BM_rss_after_swaps(benchmark::State& st) {
  models_bench::repo r;
  r.publish("scorer", 1);
  auto m = make(r);
  auto ref = m->model("scorer");
  auto x = models_bench::rows(1, 9);
  std::vector<float> scores;
  // Warm up the allocator and the first swaps (thread-local caches, the first scans) before the baseline.
  std::uint64_t v = 1;
  auto swap = [&] {
    r.publish("scorer", ++v);
    m->rescan();
    if (!m->wait_for_state("scorer", v, lm::version_state::ready, 10000ms)) throw std::runtime_error(m->reason("scorer", v));
    if (v > 2) r.remove("scorer", v - 2);
    auto h = ref.acquire();
    h.predict(x, 1, scores);
  };
  for (int i = 0; i < 10; ++i) swap();
  wait_settled(*m);
  std::this_thread::sleep_for(300ms);  // one trim interval
  long before = models_bench::rss_kib();
  auto heap_before = mallinfo2().uordblks;
  for (auto _ : st)
    for (std::int64_t i = 0; i < st.range(0); ++i) swap();
  wait_settled(*m);
  std::this_thread::sleep_for(300ms);
  long after = models_bench::rss_kib();
  auto heap_after = mallinfo2().uordblks;
  st.counters["rss_before_kib"] = static_cast<double>(before);
  st.counters["rss_after_kib"] = static_cast<double>(after);
  st.counters["after_over_before"] = static_cast<double>(after) / static_cast<double>(before);
  // Bytes allocated and not freed (fragmentation excluded): tells a leak from allocator retention.
  st.counters["heap_in_use_delta_kib"] = (static_cast<double>(heap_after) - static_cast<double>(heap_before)) / 1024.0;
  st.counters["unloads"] = static_cast<double>(m->unloads());
}
BENCHMARK(BM_rss_after_swaps)->ArgName("swaps")->Arg(1000)->Arg(3000)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
