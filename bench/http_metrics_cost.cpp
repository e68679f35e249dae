// The per-request cost of the HTTP server's metrics: record() (one status counter, one histogram
// bucket, the latency sum: three relaxed atomic adds on the route's own block) from one thread and
// from two threads hitting the same route, plus the cost of rendering /metrics for 50 routes.
//
//   build/release/bench/http_metrics_cost --benchmark_min_time=0.2 --benchmark_repetitions=5
#include <benchmark/benchmark.h>

#include "http/probes.hpp"
#include "http/request_metrics.hpp"

namespace {

using lifespan::http::detail::request_metrics;

lifespan::http::router routes(int n) {
  lifespan::http::router r;
  for (int i = 0; i < n; ++i) r.get("/api/r" + std::to_string(i), [](lifespan::http::request&) { return lifespan::http::response{}; });
  return r;
}

void BM_record(benchmark::State& state) {
  static request_metrics* shared = nullptr;
  static lifespan::http::router r = routes(10);
  if (state.thread_index() == 0) shared = new request_metrics(r, lifespan::http::detail::builtin_paths());
  const auto slot = shared->builtin_slot(0);  // everyone on /livez: the contended case
  std::int64_t ns = 1000;
  for (auto _ : state) {
    shared->record(slot, 200, std::chrono::nanoseconds(ns));
    ns = (ns * 7 + 13) % 5'000'000;
  }
  if (state.thread_index() == 0) {
    delete shared;
    shared = nullptr;
  }
}
BENCHMARK(BM_record)->Threads(1)->Threads(2)->UseRealTime();

void BM_collect_50_routes(benchmark::State& state) {
  const auto r = routes(50);
  request_metrics m(r, lifespan::http::detail::builtin_paths());
  for (std::size_t i = 0; i < 50; ++i) m.record(m.route_slot(i), 200, std::chrono::microseconds(300));
  for (auto _ : state) benchmark::DoNotOptimize(m.Collect());
}
BENCHMARK(BM_collect_50_routes);

}  // namespace

BENCHMARK_MAIN();
