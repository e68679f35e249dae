// Startup makespan against the graph's critical path, and against sequential startup.
//
// Workload: a random DAG (seeded, reproducible) of N components; component i's start() sleeps for a
// random 1-20 ms and requires up to 3 components declared before it. Every component is critical, so
// RUNNING means "all of them are up".
//
//   BM_startup_sequential/N      the same start functions called one after another, in topological
//                                order, on one thread (what FastAPI lifespans and uber-go/fx do).
//   BM_startup_parallel/N        service::run(); time from the call of run() to the RUNNING event.
//                                startup.max_parallel_hooks is set to N so that no start waits for a
//                                pool thread (the default is max(16, 4 * cores)).
//   BM_startup_parallel_default_pool/100
//                                the same with the default hook pool bound, for comparison.
//
// Each repetition is one run (Iterations(1)); the repetition counts are fixed here, so no
// --benchmark_repetitions is needed. Read the median aggregates.
//
// Counters (milliseconds unless said otherwise):
//   makespan_ms        run() called -> RUNNING event (also the reported time)
//   prep_ms            run() called -> INITIALIZING event (validation, config, runtime construction)
//   cp_ms              critical path from the configured sleep durations (longest path along required edges)
//   cp_actual_ms       the same path computation over the durations the sleeps really took in this run
//   overhead_ms        makespan_ms - cp_ms            (target: <= 2 ms)
//   overhead_actual_ms makespan_ms - cp_actual_ms     (what the runtime adds beyond the real workload)
//   dispatch_max_us    max over components of (start() called) - (last required dependency up),
//                      from the runtime's own timeline (supervisor side, before the pool picks it up)
//   hook_lag_mean_us   mean over components of (up_at - started_at - time really spent sleeping):
//                      pool pickup + completion delivery back to the supervisor
//   cp_dispatch_us     along the runtime's own critical path (timeline): sum of the dispatch delays
//   cp_lag_us          along the same path: sum of the hook lags; with cp_dispatch_us and prep_ms, the
//                      runtime's share of overhead_actual_ms
//   seq_over_par       median sequential time of the same graph / this makespan
//   depth, edges, roots  shape of the graph
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "lifespan/core/service.hpp"

namespace {

using namespace std::chrono_literals;
using lifespan::service;
using lifespan::service_options;
using sclock = std::chrono::steady_clock;

constexpr std::uint64_t seed = 20261122;

struct dag {
  std::vector<std::chrono::microseconds> work;   // configured start duration per component
  std::vector<std::vector<std::size_t>> deps;    // required dependencies (always earlier indices)
};

// Component i requires k ~ U{0..min(i,3)} distinct components chosen uniformly among 0..i-1.
dag make_dag(std::size_t n, std::uint64_t s) {
  std::mt19937_64 rng(s);
  std::uniform_int_distribution<int> us(1000, 20000);
  dag g;
  g.work.resize(n);
  g.deps.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    g.work[i] = std::chrono::microseconds(us(rng));
    const int most = static_cast<int>(std::min<std::size_t>(i, 3));
    const int k = std::uniform_int_distribution<int>(0, most)(rng);
    while (static_cast<int>(g.deps[i].size()) < k) {
      const std::size_t d = std::uniform_int_distribution<std::size_t>(0, i - 1)(rng);
      if (std::find(g.deps[i].begin(), g.deps[i].end(), d) == g.deps[i].end()) g.deps[i].push_back(d);
    }
  }
  return g;
}

// Longest path of start durations along required edges (indices are already topological).
template <class Duration>
double critical_path_ms(const dag& g, const std::vector<Duration>& work) {
  std::vector<double> finish(g.work.size(), 0.0);
  double best = 0;
  for (std::size_t i = 0; i < g.work.size(); ++i) {
    double ready = 0;
    for (auto d : g.deps[i]) ready = std::max(ready, finish[d]);
    finish[i] = ready + std::chrono::duration<double, std::milli>(work[i]).count();
    best = std::max(best, finish[i]);
  }
  return best;
}

struct shape {
  std::size_t depth = 0, edges = 0, roots = 0;
};

shape shape_of(const dag& g) {
  shape s;
  std::vector<std::size_t> level(g.work.size(), 1);
  for (std::size_t i = 0; i < g.work.size(); ++i) {
    for (auto d : g.deps[i]) level[i] = std::max(level[i], level[d] + 1);
    s.depth = std::max(s.depth, level[i]);
    s.edges += g.deps[i].size();
    if (g.deps[i].empty()) ++s.roots;
  }
  return s;
}

const dag& graph_for(std::size_t n) {
  static std::map<std::size_t, dag> cache;
  auto it = cache.find(n);
  if (it == cache.end()) it = cache.emplace(n, make_dag(n, seed + n)).first;
  return it->second;
}

// Sequential times measured by BM_startup_sequential, per graph size, for the ratio.
std::map<std::size_t, std::vector<double>>& sequential_ms() {
  static std::map<std::size_t, std::vector<double>> m;
  return m;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const auto n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

class sleeper final : public lifespan::component {
 public:
  sleeper(std::chrono::microseconds work, std::shared_ptr<std::vector<sclock::duration>> actual, std::size_t index)
      : work_(work), actual_(std::move(actual)), index_(index) {}

  void start(lifespan::context&) override {
    const auto t0 = sclock::now();
    std::this_thread::sleep_for(work_);
    (*actual_)[index_] = sclock::now() - t0;
  }

 private:
  std::chrono::microseconds work_;
  std::shared_ptr<std::vector<sclock::duration>> actual_;
  std::size_t index_;
};

std::string name_of(std::size_t i) { return "c" + std::to_string(i); }

void set_shape_counters(benchmark::State& state, const dag& g) {
  const auto s = shape_of(g);
  state.counters["depth"] = static_cast<double>(s.depth);
  state.counters["edges"] = static_cast<double>(s.edges);
  state.counters["roots"] = static_cast<double>(s.roots);
  state.counters["cp_ms"] = critical_path_ms(g, g.work);
}

void BM_startup_sequential(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const dag& g = graph_for(n);
  auto actual = std::make_shared<std::vector<sclock::duration>>(n);
  std::vector<std::unique_ptr<sleeper>> components;
  for (std::size_t i = 0; i < n; ++i) components.push_back(std::make_unique<sleeper>(g.work[i], actual, i));
  lifespan::context ctx;  // sleeper does not use its context
  for (auto _ : state) {
    const auto t0 = sclock::now();
    for (auto& c : components) c->start(ctx);  // indices are a topological order
    const auto took = std::chrono::duration<double>(sclock::now() - t0).count();
    state.SetIterationTime(took);
    sequential_ms()[n].push_back(took * 1e3);
  }
  set_shape_counters(state, g);
  state.counters["sequential_ms"] = sequential_ms()[n].back();
}

void run_parallel(benchmark::State& state, bool size_pool) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const dag& g = graph_for(n);
  double makespan_sum = 0, prep_sum = 0, cp_actual_sum = 0, dispatch_max = 0, lag_sum = 0;
  double cp_dispatch_sum = 0, cp_lag_sum = 0;
  std::size_t lag_count = 0;
  for (auto _ : state) {
    service_options options;
    options.own_signals = false;
    options.install_logger = false;
    options.read_environment = false;
    if (size_pool) options.config_overrides = {"startup.max_parallel_hooks=" + std::to_string(n)};
    service svc{"bench", options};
    auto actual = std::make_shared<std::vector<sclock::duration>>(n);
    for (std::size_t i = 0; i < n; ++i) {
      auto b = svc.add<sleeper>(name_of(i), g.work[i], actual, i);
      for (auto d : g.deps[i]) b.depends_on(name_of(d));
    }
    sclock::time_point initializing{}, running{};
    svc.on_event([&](const lifespan::lifecycle_event& e) {
      if (e.kind != lifespan::event_kind::service_state_changed) return;
      if (e.state == lifespan::service_state::initializing) initializing = e.at;
      if (e.state == lifespan::service_state::running) {
        running = e.at;
        svc.request_shutdown();  // non-blocking: posts to the supervisor
      }
    });

    const auto called = sclock::now();
    const int code = svc.run();
    if (code != lifespan::exit_ok || running == sclock::time_point{}) {
      state.SkipWithError("run() did not reach RUNNING or failed");
      break;
    }
    const double makespan = std::chrono::duration<double>(running - called).count();
    state.SetIterationTime(makespan);
    makespan_sum += makespan * 1e3;
    prep_sum += std::chrono::duration<double, std::milli>(initializing - called).count();
    cp_actual_sum += critical_path_ms(g, *actual);

    const auto t = svc.startup_timeline();
    for (std::size_t i = 0; i < t.entries.size(); ++i) {
      const auto& e = t.entries[i];
      if (!e.started_at || !e.up_at) continue;
      const auto dispatch = *e.started_at - e.ready_at.value_or(lifespan::duration{});
      dispatch_max = std::max(dispatch_max, std::chrono::duration<double, std::micro>(dispatch).count());
      lag_sum += std::chrono::duration<double, std::micro>(*e.up_at - *e.started_at - (*actual)[i]).count();
      ++lag_count;
    }
    for (const auto& name : t.critical_path) {
      const auto i = static_cast<std::size_t>(std::stoul(name.substr(1)));  // "c<i>"
      const auto& e = t.entries[i];
      if (!e.started_at || !e.up_at) continue;
      cp_dispatch_sum += std::chrono::duration<double, std::micro>(*e.started_at - e.ready_at.value_or(lifespan::duration{})).count();
      cp_lag_sum += std::chrono::duration<double, std::micro>(*e.up_at - *e.started_at - (*actual)[i]).count();
    }
  }
  const double iterations = static_cast<double>(state.iterations());
  if (iterations == 0) return;
  set_shape_counters(state, g);
  const double makespan = makespan_sum / iterations;
  state.counters["makespan_ms"] = makespan;
  state.counters["prep_ms"] = prep_sum / iterations;
  state.counters["cp_actual_ms"] = cp_actual_sum / iterations;
  state.counters["overhead_ms"] = makespan - critical_path_ms(g, g.work);
  state.counters["overhead_actual_ms"] = makespan - cp_actual_sum / iterations;
  state.counters["dispatch_max_us"] = dispatch_max;
  state.counters["cp_dispatch_us"] = cp_dispatch_sum / iterations;
  state.counters["cp_lag_us"] = cp_lag_sum / iterations;
  if (lag_count) state.counters["hook_lag_mean_us"] = lag_sum / static_cast<double>(lag_count);
  if (auto it = sequential_ms().find(n); it != sequential_ms().end() && !it->second.empty())
    state.counters["seq_over_par"] = median(it->second) / makespan;
}

void BM_startup_parallel(benchmark::State& state) { run_parallel(state, true); }
void BM_startup_parallel_default_pool(benchmark::State& state) { run_parallel(state, false); }

// Sequential first: the parallel runs read its times for seq_over_par.
BENCHMARK(BM_startup_sequential)->Arg(10)->Iterations(1)->Repetitions(5)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_startup_sequential)->Arg(100)->Iterations(1)->Repetitions(3)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_startup_sequential)->Arg(1000)->Iterations(1)->Repetitions(1)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_startup_parallel)->Arg(10)->Arg(100)->Iterations(1)->Repetitions(15)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_startup_parallel)->Arg(1000)->Iterations(1)->Repetitions(9)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_startup_parallel_default_pool)->Arg(100)->Iterations(1)->Repetitions(5)->UseManualTime()->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
