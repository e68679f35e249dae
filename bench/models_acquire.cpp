// The request-path cost of pinning a model version: acquire + release of a handle.
//
//   BM_acquire_model_ref          model_ref::acquire() + handle release (the hot path; target <= 50 ns)
//   BM_acquire_by_name            manager::acquire("name"): the same plus a map lookup under a shared lock
//   BM_acquire_label              model_ref::acquire("stable")
//   BM_peer_atomic_shared_ptr     std::atomic<std::shared_ptr<T>>::load() + release (libstdc++ 12: not
//                                 lock-free, a spin lock inside), the obvious alternative
//   BM_peer_shared_mutex_copy     std::shared_lock + shared_ptr copy + release
// Each runs on 1 and 2 threads (the machine has 2 cores), all threads acquiring the same model.
#include <benchmark/benchmark.h>

#include <atomic>
#include <memory>
#include <shared_mutex>

#include "lifespan/models/manager.hpp"
#include "models_fixture.hpp"

namespace {
using namespace std::chrono_literals;

struct setup {
  models_bench::repo r;
  std::unique_ptr<lifespan::models::manager> m;
  lifespan::models::model_ref ref;
  setup() {
    r.publish("scorer", 1);
    lifespan::models::manager_options o;
    o.root = r.models();
    o.watch = false;
    o.models["scorer"].required = true;
    lifespan::models::loader_registry loaders;
    lifespan::models::add_xgboost_loader(loaders);
    m = std::make_unique<lifespan::models::manager>(o, std::move(loaders));
    m->start();
    if (!m->wait_ready(60s)) throw std::runtime_error("model did not load");
    m->set_label("scorer", "stable", 1);
    ref = m->model("scorer");
  }
};

setup& state() {
  static setup s;
  return s;
}

void BM_acquire_model_ref(benchmark::State& st) {
  auto ref = state().ref;
  for (auto _ : st) {
    auto h = ref.acquire();
    benchmark::DoNotOptimize(h);
  }
}
BENCHMARK(BM_acquire_model_ref)->Threads(1)->Threads(2);

void BM_acquire_by_name(benchmark::State& st) {
  auto& m = *state().m;
  for (auto _ : st) {
    auto h = m.acquire("scorer");
    benchmark::DoNotOptimize(h);
  }
}
BENCHMARK(BM_acquire_by_name)->Threads(1)->Threads(2);

void BM_acquire_label(benchmark::State& st) {
  auto ref = state().ref;
  for (auto _ : st) {
    auto h = ref.acquire("stable");
    benchmark::DoNotOptimize(h);
  }
}
BENCHMARK(BM_acquire_label)->Threads(1)->Threads(2);

std::atomic<std::shared_ptr<int>> peer_atomic{std::make_shared<int>(1)};
void BM_peer_atomic_shared_ptr(benchmark::State& st) {
  for (auto _ : st) {
    auto p = peer_atomic.load();
    benchmark::DoNotOptimize(p);
  }
}
BENCHMARK(BM_peer_atomic_shared_ptr)->Threads(1)->Threads(2);

std::shared_mutex peer_mutex;
std::shared_ptr<int> peer_value = std::make_shared<int>(1);
void BM_peer_shared_mutex_copy(benchmark::State& st) {
  for (auto _ : st) {
    std::shared_ptr<int> p;
    {
      std::shared_lock lock(peer_mutex);
      p = peer_value;
    }
    benchmark::DoNotOptimize(p);
  }
}
BENCHMARK(BM_peer_shared_mutex_copy)->Threads(1)->Threads(2);

}  // namespace

BENCHMARK_MAIN();
