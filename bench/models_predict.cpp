// Prediction through the manager against the raw XGBoost C API, same model (100 trees, depth 6, 20
// features, UBJ), same rows, same call (XGBoosterPredictFromDense, nthread=1, output copied out).
//
//   BM_predict_raw/N       XGBoosterPredictFromDense on a booster loaded by hand, N rows
//   BM_predict_manager/N   model_ref::acquire() + handle::predict (stats, latency histogram) + release
// Target: manager within 5 % of raw.
#include <benchmark/benchmark.h>

#include <cinttypes>

#include "lifespan/models/manager.hpp"
#include "models_fixture.hpp"

namespace {
using namespace std::chrono_literals;

struct setup {
  models_bench::repo r;
  std::unique_ptr<lifespan::models::manager> m;
  lifespan::models::model_ref ref;
  BoosterHandle raw = nullptr;
  std::vector<float> x = models_bench::rows(256, 3);
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
    ref = m->model("scorer");
    models_bench::check(XGBoosterCreate(nullptr, 0, &raw), "create");
    models_bench::check(XGBoosterLoadModel(raw, r.trained.c_str()), "load");
    models_bench::check(XGBoosterSetParam(raw, "nthread", "1"), "nthread");
  }
};

setup& state() {
  static setup s;
  return s;
}

void BM_predict_raw(benchmark::State& st) {
  auto& s = state();
  const auto n = static_cast<std::size_t>(st.range(0));
  std::vector<float> scores;
  static constexpr const char* config =
      "{\"type\":0,\"training\":false,\"iteration_begin\":0,\"iteration_end\":0,\"strict_shape\":false,"
      "\"missing\":NaN,\"cache_id\":0}";
  for (auto _ : st) {
    char array[160];
    std::snprintf(array, sizeof array,
                  "{\"data\":[%" PRIuPTR ",true],\"shape\":[%zu,%zu],\"strides\":null,\"typestr\":\"<f4\","
                  "\"version\":3}",
                  reinterpret_cast<std::uintptr_t>(s.x.data()), n, models_bench::features);
    const bst_ulong* shape = nullptr;
    bst_ulong dims = 0;
    const float* out = nullptr;
    if (XGBoosterPredictFromDense(s.raw, array, config, nullptr, &shape, &dims, &out) != 0) st.SkipWithError("predict");
    scores.assign(out, out + n);
    benchmark::DoNotOptimize(scores.data());
  }
  st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations() * n));
}
BENCHMARK(BM_predict_raw)->Arg(1)->Arg(64)->Arg(256);

void BM_predict_manager(benchmark::State& st) {
  auto& s = state();
  const auto n = static_cast<std::size_t>(st.range(0));
  std::vector<float> scores;
  std::span<const float> rows(s.x.data(), n * models_bench::features);
  for (auto _ : st) {
    auto h = s.ref.acquire();
    h.predict(rows, n, scores);
    benchmark::DoNotOptimize(scores.data());
  }
  st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations() * n));
}
BENCHMARK(BM_predict_manager)->Arg(1)->Arg(64)->Arg(256);

}  // namespace

BENCHMARK_MAIN();
