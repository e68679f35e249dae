// Threat scorer cost per line, on the bundled model (apps/vigil/models/threat) served by a models
// manager: one request at a time (acquire + predict + release), batches of 64 and 256 (per line),
// the features alone, and parse + rules + features + score (the whole per-line path in hybrid mode)
// beside parse + rules (rules mode), and the same with one model call per 256 lines (batched): the
// hybrid overhead is the ratio against rules mode.
//
//   build/release/bench/vigil_scorer --benchmark_min_time=1
#include <benchmark/benchmark.h>

#include "features/features.hpp"
#include "gen/traffic_gen.hpp"
#include "lifespan/models/manager.hpp"
#include "model/threat_scorer.hpp"
#include "parse/line_parser.hpp"
#include "rules/analyze.hpp"

namespace {

struct fixture {
  std::vector<std::string> lines;
  std::vector<vigil::feature_vector> rows;
  std::shared_ptr<const vigil::rule_set> rules = vigil::rule_set::load(VIGIL_DEFAULT_RULES);
  std::unique_ptr<lifespan::models::manager> manager;
  std::unique_ptr<vigil::threat_scorer> scorer;

  fixture() {
    vigil::gen_options o;
    o.lines = 20'000;
    o.seed = 1;
    vigil::traffic_generator g(o);
    vigil::gen_line line;
    vigil::line_parser parser;
    vigil::rule_matcher matcher(rules);
    vigil::log_record record;
    vigil::analysis result;
    while (g.next(line)) {
      lines.push_back(line.text);
      if (!parser.parse(lines.back(), record)) continue;
      vigil::analyze(record, matcher, result);
      rows.push_back(vigil::extract_features(record, result, *rules));
    }
    lifespan::models::manager_options mo;
    mo.root = VIGIL_MODELS_DIR;
    mo.watch = false;
    mo.models["threat"].required = true;
    lifespan::models::loader_registry loaders;
    lifespan::models::add_xgboost_loader(loaders);
    manager = std::make_unique<lifespan::models::manager>(mo, loaders);
    manager->start();
    if (!manager->wait_ready(std::chrono::seconds(60))) throw std::runtime_error("bundled threat model did not load");
    scorer = std::make_unique<vigil::threat_scorer>(*manager, "threat");
  }
};

fixture& get() {
  static fixture f;
  return f;
}

void BM_score_one(benchmark::State& state) {
  auto& f = get();
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(f.scorer->score(f.rows[i]));
    if (++i == f.rows.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_score_one)->ThreadRange(1, 2)->UseRealTime();

void BM_score_batch(benchmark::State& state) {
  auto& f = get();
  const auto n = static_cast<std::size_t>(state.range(0));
  std::vector<float> out(n);
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(f.scorer->score(std::span(f.rows).subspan(i, n), out));
    i += n;
    if (i + n > f.rows.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_score_batch)->Arg(64)->Arg(256);

void BM_features(benchmark::State& state) {
  auto& f = get();
  vigil::line_parser parser;
  vigil::rule_matcher matcher(f.rules);
  std::vector<vigil::log_record> records(1000);
  std::vector<vigil::analysis> results(1000);
  for (std::size_t k = 0; k < 1000; ++k) {
    parser.parse(f.lines[k], records[k]);
    vigil::analyze(records[k], matcher, results[k]);
  }
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(vigil::extract_features(records[i], results[i], *f.rules));
    if (++i == records.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_features);

void per_line(benchmark::State& state, bool hybrid) {
  auto& f = get();
  vigil::line_parser parser;
  vigil::rule_matcher matcher(f.rules);
  vigil::log_record record;
  vigil::analysis result;
  std::size_t i = 0, alerts = 0;
  for (auto _ : state) {
    if (parser.parse(f.lines[i], record)) {
      vigil::analyze(record, matcher, result);
      std::optional<float> score;
      if (hybrid) score = f.scorer->score(vigil::extract_features(record, result, *f.rules));
      alerts += f.scorer->decide(result.level, score).alert;
    }
    if (++i == f.lines.size()) i = 0;
  }
  benchmark::DoNotOptimize(alerts);
  state.SetItemsProcessed(state.iterations());
}
void BM_line_rules(benchmark::State& state) { per_line(state, false); }
void BM_line_hybrid(benchmark::State& state) { per_line(state, true); }
BENCHMARK(BM_line_rules);
BENCHMARK(BM_line_hybrid);

// The hybrid path as a pipeline stage should run it: parse, rules and features per line, then one
// model call per batch of 256 lines (XGBoost's per-call cost, ~17 us, is shared by the batch).
void BM_line_hybrid_batched(benchmark::State& state) {
  auto& f = get();
  vigil::line_parser parser;
  vigil::rule_matcher matcher(f.rules);
  vigil::log_record record;
  vigil::analysis result;
  constexpr std::size_t batch = 256;
  std::vector<vigil::feature_vector> rows(batch);
  std::vector<vigil::severity> levels(batch);
  std::vector<float> scores(batch);
  std::size_t i = 0, n = 0, alerts = 0;
  for (auto _ : state) {
    if (parser.parse(f.lines[i], record)) {
      vigil::analyze(record, matcher, result);
      rows[n] = vigil::extract_features(record, result, *f.rules);
      levels[n++] = result.level;
    }
    if (++i == f.lines.size()) i = 0;
    if (n == batch) {
      const bool scored = f.scorer->score(std::span(rows), scores);
      for (std::size_t k = 0; k < n; ++k)
        alerts += f.scorer->decide(levels[k], scored ? std::optional<float>(scores[k]) : std::nullopt).alert;
      n = 0;
    }
  }
  benchmark::DoNotOptimize(alerts);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_line_hybrid_batched);

}  // namespace

BENCHMARK_MAIN();
