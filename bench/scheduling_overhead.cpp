// Pure scheduling overhead: N components whose hooks do nothing, started and stopped by a full
// service::run(). The time is measured from the call of run() to its return; shutdown is requested
// from the event listener as soon as the service reaches RUNNING. Registering the components and
// destroying the service are outside the measurement.
//
//   BM_noop_run/n:N/dag:0/pool:P   fully independent components (no edges)
//   BM_noop_run/n:N/dag:1/pool:P   random sparse DAG: component i requires k ~ U{0..min(i,3)} distinct earlier ones
//                                  (seeded; about 1.5 edges per component)
//
// pool:0 keeps the default hook pool bound (startup.max_parallel_hooks = max(16, 4 * cores)), which is
// the figure to read. pool:1 sets startup.max_parallel_hooks=1, a diagnostic: it shows how much of the
// time is threads of the pool competing for the cores and for the pool's lock.
//
// Counters (milliseconds, per run):
//   total_ms     run() called -> run() returned (also the reported time; target: < 50 ms at N = 10,000)
//   prep_ms      run() called -> INITIALIZING (validation, configuration, runtime construction)
//   startup_ms   INITIALIZING -> RUNNING
//   shutdown_ms  RUNNING -> run() returned (request, drain and stop phases, teardown inside run())
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <string>
#include <vector>

#include "lifespan/core/service.hpp"

namespace {

using lifespan::service;
using lifespan::service_options;
using sclock = std::chrono::steady_clock;

class noop final : public lifespan::component {
 public:
  void start(lifespan::context&) override {}
};

std::vector<std::vector<std::size_t>> make_edges(std::size_t n, bool sparse_dag) {
  std::vector<std::vector<std::size_t>> deps(n);
  if (!sparse_dag) return deps;
  std::mt19937_64 rng(20261122 + n);
  for (std::size_t i = 1; i < n; ++i) {
    const int k = std::uniform_int_distribution<int>(0, static_cast<int>(std::min<std::size_t>(i, 3)))(rng);
    while (static_cast<int>(deps[i].size()) < k) {
      const std::size_t d = std::uniform_int_distribution<std::size_t>(0, i - 1)(rng);
      if (std::find(deps[i].begin(), deps[i].end(), d) == deps[i].end()) deps[i].push_back(d);
    }
  }
  return deps;
}

double ms(sclock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

void BM_noop_run(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto deps = make_edges(n, state.range(1) != 0);
  const auto pool = state.range(2);
  std::vector<std::string> names(n);
  for (std::size_t i = 0; i < n; ++i) names[i] = "c" + std::to_string(i);
  double prep = 0, startup = 0, shutdown = 0;
  std::size_t edges = 0;
  for (const auto& d : deps) edges += d.size();

  for (auto _ : state) {
    state.PauseTiming();
    service_options options;
    options.own_signals = false;
    options.install_logger = false;
    options.read_environment = false;
    if (pool > 0) options.config_overrides = {"startup.max_parallel_hooks=" + std::to_string(pool)};
    auto svc = std::make_unique<service>("bench", options);
    for (std::size_t i = 0; i < n; ++i) {
      auto b = svc->add<noop>(names[i]);
      for (auto d : deps[i]) b.depends_on(names[d]);
    }
    sclock::time_point initializing{}, running{};
    svc->on_event([&, s = svc.get()](const lifespan::lifecycle_event& e) {
      if (e.kind != lifespan::event_kind::service_state_changed) return;
      if (e.state == lifespan::service_state::initializing) initializing = e.at;
      if (e.state == lifespan::service_state::running) {
        running = e.at;
        s->request_shutdown();
      }
    });
    state.ResumeTiming();

    const auto called = sclock::now();
    const int code = svc->run();
    const auto returned = sclock::now();

    state.PauseTiming();
    if (code != lifespan::exit_ok || running == sclock::time_point{}) {
      state.SkipWithError("run() did not reach RUNNING or failed");
      break;
    }
    prep += ms(initializing - called);
    startup += ms(running - initializing);
    shutdown += ms(returned - running);
    state.SetIterationTime(std::chrono::duration<double>(returned - called).count());
    svc.reset();  // destruction (hook pool threads exiting) is not part of run()
    state.ResumeTiming();
  }
  const double iterations = static_cast<double>(state.iterations());
  if (iterations == 0) return;
  state.counters["total_ms"] = (prep + startup + shutdown) / iterations;
  state.counters["prep_ms"] = prep / iterations;
  state.counters["startup_ms"] = startup / iterations;
  state.counters["shutdown_ms"] = shutdown / iterations;
  state.counters["edges"] = static_cast<double>(edges);
}

BENCHMARK(BM_noop_run)
    ->ArgNames({"n", "dag", "pool"})
    ->Args({1000, 0, 0})
    ->Args({1000, 1, 0})
    ->Args({10000, 0, 0})
    ->Args({10000, 1, 0})
    ->Iterations(1)
    ->Repetitions(9)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_noop_run)
    ->ArgNames({"n", "dag", "pool"})
    ->Args({10000, 0, 1})
    ->Args({10000, 1, 1})
    ->Iterations(1)
    ->Repetitions(5)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

// Validation alone (what --check-config and the start of run() do): graph resolution, configuration
// and every component's options, with nothing constructed.
void BM_check(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto deps = make_edges(n, state.range(1) != 0);
  service_options options;
  options.own_signals = false;
  options.install_logger = false;
  options.read_environment = false;
  service svc("bench", options);
  for (std::size_t i = 0; i < n; ++i) {
    auto b = svc.add<noop>("c" + std::to_string(i));
    for (auto d : deps[i]) b.depends_on("c" + std::to_string(d));
  }
  for (auto _ : state) {
    auto problems = svc.check();
    if (!problems.empty()) {
      state.SkipWithError(problems.front().c_str());
      break;
    }
  }
}
BENCHMARK(BM_check)->ArgNames({"n", "dag"})->Args({10000, 0})->Args({10000, 1})->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
