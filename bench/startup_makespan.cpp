// Startup makespan against the graph's critical path, and against sequential startup.
//
// Workload: a random DAG (seeded, reproducible) of N components; component i's start() sleeps for a
// random 1-20 ms (std::this_thread::sleep_for on the hook pool thread that runs it: a blocking hook)
// and requires up to 3 components declared before it. Every component is critical, so RUNNING means
// "all of them are up".
//
//   BM_startup_sequential/N      the same start functions called one after another, in topological
//                                order, on one thread (what FastAPI lifespans and uber-go/fx do),
//                                with the default timer slack.
//   BM_startup_parallel/n:N/slack_ns:S
//                                service::run(); time from the call of run() to the RUNNING event.
//                                startup.max_parallel_hooks is set to N so that no start waits for a
//                                pool thread (the default is max(16, 4 * cores)). S is the timer slack
//                                of the benchmark process while it runs (prctl(PR_SET_TIMERSLACK); pool
//                                threads inherit it): 50000 is Linux's default, 1 asks the kernel to
//                                wake sleepers on time. The slack is a property of the workload (how
//                                precisely its sleeps end), not of the runtime, which never sleeps on
//                                a timer along the path.
//   BM_startup_parallel_default_pool/n:100/slack_ns:50000
//                                the default hook pool bound, for comparison.
//   BM_startup_oracle/n:N/slack_ns:S
//                                the floor: no runtime, one thread per component created and parked
//                                before the clock starts, each woken by its last dependency (futex),
//                                then sleeping its start. Time from the start signal to the last end.
//
// Each parallel repetition starts once the previous run's pool threads have exited and their stacks
// are released (startup_graph.hpp, await_threads), as in a fresh process.
//
// Each repetition is one run (Iterations(1)); the repetition counts are fixed here, so no
// --benchmark_repetitions is needed. Read the median aggregates.
//
// Two critical paths (longest path along required edges, each component weighing its start time):
//   nominal   weights are the configured sleeps. This is the target: makespan <= nominal + 2 ms.
//             Every sleep ends late (timer slack + wake-up, the workload's own overshoot), and the
//             path holds ~20 sleeps at N = 1,000: the oracle shows how much of the 2 ms that takes.
//   measured  weights are what each start hook really took in this run: steady-clock reads at the
//             entry of start() and just before it returns, inside the component. The makespan beyond
//             this path is what the runtime adds: its true overhead.
//
// Counters (milliseconds unless said otherwise), one run per repetition; read the median aggregates:
//   makespan_ms          run() called -> RUNNING event (also the reported time)
//   cp_ms                nominal critical path
//   overhead_ms          makespan_ms - cp_ms                 (issue's target: <= 2 ms)
//   cp_measured_ms       measured critical path
//   overhead_measured_ms makespan_ms - cp_measured_ms        (the runtime's own overhead)
//   overshoot_us         mean over components of (measured start time - configured sleep), in us: the
//                        workload's own lateness (timer slack + wake-up), not the runtime's
//   prep_ms              run() called -> INITIALIZING (validation, configuration, runtime construction)
//   Along the runtime's own critical path (the timeline's: from the component that came up last,
//   back through the dependency that came up last before each one), the runtime's share, in us:
//   cp_dispatch_us       sum of (start attempt begun - last required dependency up): supervisor side
//   cp_pickup_us         sum of (start() entered on a pool thread - start attempt begun): construction,
//                        hand-over to the pool, thread wake-up or creation
//   cp_delivery_us       sum of (up - start() returned): the outcome's way back to the supervisor
//   running_lag_us       last component up -> RUNNING event
//   With prep_ms, these add up to overhead_measured_ms when the timeline's path is the measured one.
//   cp_same_thread       fraction of the path's hops where the component started on the pool thread of
//                        the dependency that unblocked it (no thread wake-up or creation in between)
//   dispatch_max_us      max over all components of the dispatch delay
//   seq_over_par         median sequential time of the same graph / this makespan
//   over_oracle_ms       makespan_ms - median oracle makespan (same N and slack, same process): all
//                        the runtime costs, set-up included, against a scheduler that costs nothing
//   depth, edges, roots  shape of the graph
// Timeline times are offsets from the runtime's origin, taken as the INITIALIZING event's time (the
// runtime sets both within a microsecond of each other).
#include <benchmark/benchmark.h>
#include <sys/prctl.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <latch>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "lifespan/core/service.hpp"
#include "startup_graph.hpp"

namespace {

using namespace std::chrono_literals;
using lifespan::service;
using lifespan::service_options;
using sclock = std::chrono::steady_clock;
using namespace startup_bench;

// When each start hook ran, per component (steady clock).
struct hook_times {
  std::vector<sclock::time_point> entered, returned;
  std::vector<std::thread::id> thread;  // the pool thread that ran it
  explicit hook_times(std::size_t n) : entered(n), returned(n), thread(n) {}
  sclock::duration took(std::size_t i) const { return returned[i] - entered[i]; }
};

class sleeper final : public lifespan::component {
 public:
  sleeper(std::chrono::microseconds work, std::shared_ptr<hook_times> times, std::size_t index)
      : work_(work), times_(std::move(times)), index_(index) {}

  void start(lifespan::context&) override {
    times_->entered[index_] = sclock::now();
    times_->thread[index_] = std::this_thread::get_id();
    std::this_thread::sleep_for(work_);
    times_->returned[index_] = sclock::now();
  }

 private:
  std::chrono::microseconds work_;
  std::shared_ptr<hook_times> times_;
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

// Times measured by the baselines, in ms, for the parallel runs' ratios: BM_startup_sequential's per
// N, BM_startup_oracle's per (N, slack).
std::map<std::size_t, std::vector<double>>& sequential_ms() {
  static std::map<std::size_t, std::vector<double>> m;
  return m;
}
std::map<std::pair<std::size_t, long>, std::vector<double>>& oracle_ms() {
  static std::map<std::pair<std::size_t, long>, std::vector<double>> m;
  return m;
}

void BM_startup_sequential(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const dag& g = graph_for(n);
  auto times = std::make_shared<hook_times>(n);
  std::vector<std::unique_ptr<sleeper>> components;
  for (std::size_t i = 0; i < n; ++i) components.push_back(std::make_unique<sleeper>(g.work[i], times, i));
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


// The same starts with no runtime at all: one thread per component, created and parked before the
// clock starts; each waits (futex) until its dependencies are done, sleeps its start, and wakes the
// dependents it was the last to wait for. What is left over the nominal critical path is the sleeps'
// own lateness and the wake-ups between them: the floor for any runtime on this machine.
void BM_startup_oracle(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const dag& g = graph_for(n);
  const timer_slack slack(static_cast<long>(state.range(1)));
  auto& times = oracle_ms()[{n, static_cast<long>(state.range(1))}];
  std::vector<std::vector<std::size_t>> dependents(n);
  for (std::size_t i = 0; i < n; ++i)
    for (auto d : g.deps[i]) dependents[d].push_back(i);
  const long baseline_threads = thread_count();
  for (auto _ : state) {
    await_threads(baseline_threads);
    std::vector<std::atomic<int>> waiting(n);
    for (std::size_t i = 0; i < n; ++i) waiting[i].store(static_cast<int>(g.deps[i].size()) + 1);  // +1: the start signal
    std::vector<sclock::time_point> done(n);
    std::latch parked(static_cast<std::ptrdiff_t>(n));
    std::vector<std::thread> threads;
    threads.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      threads.emplace_back([&, i] {
        parked.count_down();
        for (int v; (v = waiting[i].load()) != 0;) waiting[i].wait(v);
        std::this_thread::sleep_for(g.work[i]);
        done[i] = sclock::now();
        for (auto d : dependents[i])
          if (waiting[d].fetch_sub(1) == 1) waiting[d].notify_one();
      });
    }
    parked.wait();
    const auto t0 = sclock::now();
    for (std::size_t i = 0; i < n; ++i)  // the start signal; roots are the ones it releases
      if (waiting[i].fetch_sub(1) == 1) waiting[i].notify_one();
    for (auto& t : threads) t.join();
    const double makespan = std::chrono::duration<double>(*std::max_element(done.begin(), done.end()) - t0).count();
    state.SetIterationTime(makespan);
    times.push_back(makespan * 1e3);
  }
  set_shape_counters(state, g);
  const double makespan = median(times);
  state.counters["makespan_ms"] = makespan;
  state.counters["overhead_ms"] = makespan - critical_path_ms(g, g.work);
}

double us(lifespan::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

void run_parallel(benchmark::State& state, bool size_pool) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const dag& g = graph_for(n);
  const timer_slack slack(static_cast<long>(state.range(1)));
  double makespan_sum = 0, prep_sum = 0, cp_measured_sum = 0, overshoot_sum = 0, dispatch_max = 0;
  double cp_dispatch_sum = 0, cp_pickup_sum = 0, cp_delivery_sum = 0, running_lag_sum = 0;
  double handed_sum = 0, hops_sum = 0;
  const long baseline_threads = thread_count();
  for (auto _ : state) {
    await_threads(baseline_threads);
    service_options options;
    options.own_signals = false;
    options.install_logger = false;
    options.read_environment = false;
    if (size_pool) options.config_overrides = {"startup.max_parallel_hooks=" + std::to_string(n)};
    service svc{"bench", options};
    auto times = std::make_shared<hook_times>(n);
    for (std::size_t i = 0; i < n; ++i) {
      auto b = svc.add<sleeper>(name_of(i), g.work[i], times, i);
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
    std::vector<sclock::duration> took(n);
    for (std::size_t i = 0; i < n; ++i) {
      took[i] = times->took(i);
      overshoot_sum += us(took[i] - g.work[i]) / static_cast<double>(n);
    }
    cp_measured_sum += critical_path_ms(g, took);

    const auto t = svc.startup_timeline();
    const auto since_origin = [&](sclock::time_point p) { return p - initializing; };
    lifespan::duration last_up{};
    for (const auto& e : t.entries) {
      if (!e.started_at || !e.up_at) continue;
      dispatch_max = std::max(dispatch_max, us(*e.started_at - e.ready_at.value_or(lifespan::duration{})));
      last_up = std::max(last_up, *e.up_at);
    }
    running_lag_sum += us(since_origin(running) - last_up);
    const auto index_of = [](const std::string& name) { return static_cast<std::size_t>(std::stoul(name.substr(1))); };  // "c<i>"
    for (const auto& name : t.critical_path) {
      const auto i = index_of(name);
      const auto& e = t.entries[i];
      if (!e.started_at || !e.up_at) continue;
      if (!e.blocked_by.empty()) {
        ++hops_sum;
        if (times->thread[index_of(e.blocked_by)] == times->thread[i]) ++handed_sum;
      }
      cp_dispatch_sum += us(*e.started_at - e.ready_at.value_or(lifespan::duration{}));
      cp_pickup_sum += us(since_origin(times->entered[i]) - *e.started_at);
      cp_delivery_sum += us(*e.up_at - since_origin(times->returned[i]));
    }
  }
  const double iterations = static_cast<double>(state.iterations());
  if (iterations == 0) return;
  set_shape_counters(state, g);
  const double makespan = makespan_sum / iterations;
  state.counters["makespan_ms"] = makespan;
  state.counters["prep_ms"] = prep_sum / iterations;
  state.counters["cp_measured_ms"] = cp_measured_sum / iterations;
  state.counters["overhead_ms"] = makespan - critical_path_ms(g, g.work);
  state.counters["overhead_measured_ms"] = makespan - cp_measured_sum / iterations;
  state.counters["overshoot_us"] = overshoot_sum / iterations;
  state.counters["dispatch_max_us"] = dispatch_max;
  state.counters["cp_dispatch_us"] = cp_dispatch_sum / iterations;
  state.counters["cp_pickup_us"] = cp_pickup_sum / iterations;
  state.counters["cp_delivery_us"] = cp_delivery_sum / iterations;
  state.counters["running_lag_us"] = running_lag_sum / iterations;
  if (hops_sum > 0) state.counters["cp_same_thread"] = handed_sum / hops_sum;
  if (auto it = sequential_ms().find(n); it != sequential_ms().end() && !it->second.empty())
    state.counters["seq_over_par"] = median(it->second) / makespan;
  if (auto it = oracle_ms().find({n, static_cast<long>(state.range(1))}); it != oracle_ms().end() && !it->second.empty())
    state.counters["over_oracle_ms"] = makespan - median(it->second);
}

void BM_startup_parallel(benchmark::State& state) { run_parallel(state, true); }
void BM_startup_parallel_default_pool(benchmark::State& state) { run_parallel(state, false); }

// One run per repetition (the counts are fixed here), timed by the benchmark itself, in ms.
benchmark::internal::Benchmark* runs(benchmark::internal::Benchmark* b, int repetitions) {
  return b->Iterations(1)->Repetitions(repetitions)->UseManualTime()->Unit(benchmark::kMillisecond);
}

// Sequential and oracle first: the parallel runs read their times for seq_over_par and over_oracle_ms.
const auto registered = [] {
  runs(benchmark::RegisterBenchmark("BM_startup_sequential", BM_startup_sequential)->Arg(10), 5);
  runs(benchmark::RegisterBenchmark("BM_startup_sequential", BM_startup_sequential)->Arg(100), 3);
  runs(benchmark::RegisterBenchmark("BM_startup_sequential", BM_startup_sequential)->Arg(1000), 1);
  const auto with_slack = [](const char* name, void (*f)(benchmark::State&)) {
    return benchmark::RegisterBenchmark(name, f)->ArgNames({"n", "slack_ns"});
  };
  runs(with_slack("BM_startup_oracle", BM_startup_oracle)->ArgsProduct({{10, 100, 1000}, {50000, 1}}), 9);
  runs(with_slack("BM_startup_parallel", BM_startup_parallel)->ArgsProduct({{10, 100}, {50000, 1}}), 15);
  runs(with_slack("BM_startup_parallel", BM_startup_parallel)->ArgsProduct({{1000}, {50000, 1}}), 9);
  runs(with_slack("BM_startup_parallel_default_pool", BM_startup_parallel_default_pool)->Args({100, 50000}), 5);
  return true;
}();

}  // namespace

BENCHMARK_MAIN();
