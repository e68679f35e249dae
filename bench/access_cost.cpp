// Hot-path reads on a running service: dependency access from a component's context, optional
// handles, and the health/status reads that probes make.
//
// Setup (before any benchmark, outside the measurements): a service of 7 components is run on a
// background thread until RUNNING:
//   d0..d4    five components of distinct types dep<0>..dep<4>
//   opt       a background component of type opt_dep
//   consumer  depends_on<dep<0>>() ... depends_on<dep<4>>() and optional<opt_dep>(); its start()
//             keeps a pointer to its context, which the benchmarks below then use.
// Two more services of 10 and 100 no-op components are also brought to RUNNING, for status().
//
//   BM_ctx_get_first / _middle / _last   ctx.get<dep<0>>() / get<dep<2>>() / get<dep<4>>() (declared 1st, 3rd, 5th)
//   BM_ctx_get_by_name_last              ctx.get<dep<4>>("d4")
//   BM_ctx_optional_lookup               ctx.optional<opt_dep>() (builds a handle; not a hot-path call)
//   BM_handle_get                        handle<opt_dep>::get()
//   BM_handle_bool                       the handle's usable check, explicit operator bool
//   BM_is_ready / BM_is_degraded / BM_state   service reads a readiness probe makes
//   BM_status/10, BM_status/100          service::status(): a consistent copy (locks each component's record)
#include <benchmark/benchmark.h>

#include <cstdio>
#include <memory>
#include <string>

#include "lifespan/core/service.hpp"
#include "lifespan/testing/harness.hpp"

namespace {

using lifespan::context;
using lifespan::handle;
using lifespan::service;
using lifespan::service_options;
using lifespan::testing::harness;

template <int N>
class dep final : public lifespan::component {
 public:
  void start(context&) override {}
  int value = N;
};

class opt_dep final : public lifespan::component {
 public:
  void start(context&) override {}
};

context* consumer_ctx = nullptr;  // written in consumer::start, read after RUNNING

class consumer final : public lifespan::component {
 public:
  void start(context& ctx) override { consumer_ctx = &ctx; }
};

class noop final : public lifespan::component {
 public:
  void start(context&) override {}
};

service_options quiet() {
  service_options o;
  o.own_signals = false;
  o.install_logger = false;
  o.read_environment = false;
  return o;
}

struct running_service {
  std::unique_ptr<service> svc;
  std::unique_ptr<harness> h;

  void start() {
    h = std::make_unique<harness>(*svc);
    h->start();
    if (!h->wait_for_state(lifespan::service_state::running)) {
      std::fprintf(stderr, "service '%s' did not reach RUNNING\n", svc->name().c_str());
      std::exit(1);
    }
  }
  ~running_service() {
    if (h) h->stop();
  }
};

running_service* main_svc = nullptr;
running_service* status_svcs[2] = {nullptr, nullptr};  // 10 and 100 components
handle<opt_dep> opt_handle;

void BM_ctx_get_first(benchmark::State& state) {
  const context& ctx = *consumer_ctx;
  for (auto _ : state) benchmark::DoNotOptimize(&ctx.get<dep<0>>());
}

void BM_ctx_get_middle(benchmark::State& state) {
  const context& ctx = *consumer_ctx;
  for (auto _ : state) benchmark::DoNotOptimize(&ctx.get<dep<2>>());
}

void BM_ctx_get_last(benchmark::State& state) {
  const context& ctx = *consumer_ctx;
  for (auto _ : state) benchmark::DoNotOptimize(&ctx.get<dep<4>>());
}

void BM_ctx_get_by_name_last(benchmark::State& state) {
  const context& ctx = *consumer_ctx;
  for (auto _ : state) benchmark::DoNotOptimize(&ctx.get<dep<4>>("d4"));
}

void BM_ctx_optional_lookup(benchmark::State& state) {
  const context& ctx = *consumer_ctx;
  for (auto _ : state) {
    auto h = ctx.optional<opt_dep>();
    benchmark::DoNotOptimize(h);
  }
}

void BM_handle_get(benchmark::State& state) {
  const auto h = opt_handle;
  for (auto _ : state) {
    benchmark::DoNotOptimize(h);  // the handle is opaque to the optimizer: one real load per iteration
    benchmark::DoNotOptimize(h.get());
  }
}

void BM_handle_bool(benchmark::State& state) {
  const auto h = opt_handle;
  for (auto _ : state) {
    benchmark::DoNotOptimize(h);
    benchmark::DoNotOptimize(static_cast<bool>(h));
  }
}

void BM_is_ready(benchmark::State& state) {
  const service& svc = *main_svc->svc;
  for (auto _ : state) benchmark::DoNotOptimize(svc.is_ready());
}

void BM_is_degraded(benchmark::State& state) {
  const service& svc = *main_svc->svc;
  for (auto _ : state) benchmark::DoNotOptimize(svc.is_degraded());
}

void BM_state(benchmark::State& state) {
  const service& svc = *main_svc->svc;
  for (auto _ : state) benchmark::DoNotOptimize(svc.state());
}

void BM_status(benchmark::State& state) {
  const service& svc = *status_svcs[state.range(0) == 10 ? 0 : 1]->svc;
  for (auto _ : state) {
    auto s = svc.status();
    benchmark::DoNotOptimize(s.components.data());
  }
  state.counters["components"] = static_cast<double>(state.range(0));
}

BENCHMARK(BM_ctx_get_first);
BENCHMARK(BM_ctx_get_middle);
BENCHMARK(BM_ctx_get_last);
BENCHMARK(BM_ctx_get_by_name_last);
BENCHMARK(BM_ctx_optional_lookup);
BENCHMARK(BM_handle_get);
BENCHMARK(BM_handle_bool);
BENCHMARK(BM_is_ready);
BENCHMARK(BM_is_degraded);
BENCHMARK(BM_state);
BENCHMARK(BM_status)->Arg(10)->Arg(100);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;

  running_service m;
  m.svc = std::make_unique<service>("access", quiet());
  m.svc->add<dep<0>>("d0");
  m.svc->add<dep<1>>("d1");
  m.svc->add<dep<2>>("d2");
  m.svc->add<dep<3>>("d3");
  m.svc->add<dep<4>>("d4");
  m.svc->add<opt_dep>("opt").background();
  m.svc->add<consumer>("consumer")
      .depends_on<dep<0>>()
      .depends_on<dep<1>>()
      .depends_on<dep<2>>()
      .depends_on<dep<3>>()
      .depends_on<dep<4>>()
      .optional<opt_dep>();
  m.start();
  main_svc = &m;
  opt_handle = consumer_ctx->optional<opt_dep>();
  if (!opt_handle || consumer_ctx->get<dep<4>>().value != 4 || !m.svc->is_ready()) {
    std::fprintf(stderr, "setup: dependencies not usable after RUNNING\n");
    return 1;
  }

  running_service s10, s100;
  for (auto [rs, n] : {std::pair{&s10, 10}, std::pair{&s100, 100}}) {
    rs->svc = std::make_unique<service>("status" + std::to_string(n), quiet());
    for (int i = 0; i < n; ++i) rs->svc->add<noop>("c" + std::to_string(i));
    rs->start();
  }
  status_svcs[0] = &s10;
  status_svcs[1] = &s100;

  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
