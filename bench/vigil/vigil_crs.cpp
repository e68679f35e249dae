// vigil's CRS engine per line: parsing, rebuilding the request and evaluating CRS 3.3.4 (as Debian
// ships it) at paranoia level 1 on one thread. Items are log lines. Two inputs: the labelled corpus
// of tests/vigil/data/crs (half attacks from Debian's payload lists, half varied benign traffic) and
// vigil's generated traffic (mostly benign, the shape of a real site's log).
//
//   build/release/bench/vigil_crs --benchmark_min_time=1
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <fstream>

#include "crs/detector.hpp"
#include "crs/evaluator.hpp"
#include "crs/prefilter.hpp"
#include "gen/traffic_gen.hpp"
#include "parse/line_parser.hpp"

namespace {

// VIGIL_CRS_LINES=FILE replaces the labelled corpus (bench/run-crs's, for instance).
std::vector<std::string> corpus_lines() {
  const char* file = std::getenv("VIGIL_CRS_LINES");
  std::ifstream in(file && *file ? std::string(file) : std::string(LIFESPAN_SOURCE_DIR) + "/tests/vigil/data/crs/dev.log");
  std::vector<std::string> out;
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

std::vector<std::string> generated_lines() {
  vigil::gen_options o;
  o.lines = 20'000;
  o.seed = 1;
  vigil::traffic_generator g(o);
  std::vector<std::string> out;
  vigil::gen_line line;
  while (g.next(line)) out.push_back(line.text);
  return out;
}

// crs_rules::load as vigil runs it: cold (no cache: rule parsing, PCRE2, Hyperscan compiles) and
// warm (the prefilter's database from a cache directory a previous load filled).
void BM_crs_load(benchmark::State& state) {
  const bool warm = state.range(0) != 0;
  const std::string dir = "/tmp/vigil_crs_bench_cache";
  auto options = vigil::crs::crs_options{};
  options.load.logged_headers = vigil::crs::headers_logged_by("combined");
  options.cache = warm;
  options.load.cache_dir = dir;
  if (warm) vigil::crs::crs_rules::load(options);  // fills the cache
  bool hit = true;
  for (auto _ : state) hit = vigil::crs::crs_rules::load(options)->filter()->from_cache() && hit;
  state.counters["from_cache"] = hit;
}
BENCHMARK(BM_crs_load)->ArgName("cache")->Arg(0)->Arg(1)->Iterations(1)->Unit(benchmark::kMillisecond);

// Loaded and compiled once for all benchmarks, with the configuration vigil serve and vigil scan run
// (rules_component.cpp, main.cpp): CRS's defaults, REST methods allowed, and the rules about headers
// the combined log format does not record skipped.
vigil::crs::crs_options vigil_options() {
  vigil::crs::crs_options o;
  o.load.logged_headers = vigil::crs::headers_logged_by("combined");
  o.cache = false;  // compiled here (BM_crs_load measures the cache)
  return o;
}

const std::shared_ptr<const vigil::crs::prefilter>& shared_prefilter() {
  static const auto rules = vigil::crs::crs_rules::load(vigil_options());
  return rules->filter();
}

// The engine memoises per value (prefilter_scan, evaluator): each pass over the lines starts with
// fresh ones, so a log's own repetitions count and the benchmark's looping over it does not.
void run(benchmark::State& state, const std::vector<std::string>& lines, bool fast) {
  const auto& filter = shared_prefilter();
  auto engine_ptr = std::make_unique<vigil::crs::evaluator>(filter->shared_rules());
  auto fast_path_ptr = std::make_unique<vigil::crs::prefilter_scan>(filter);
  std::size_t full_runs = 0;
  std::size_t candidates = 0;
  vigil::line_parser parser;
  vigil::log_record record;
  vigil::crs::request request;
  std::size_t i = 0, flagged = 0;
  for (auto _ : state) {
    if (parser.parse(lines[i], record)) {
      request.assign(record);
      if (fast) {
        fast_path_ptr->scan(request);
        candidates += fast_path_ptr->candidate_count();
      }
      flagged += engine_ptr->evaluate(request, fast ? fast_path_ptr.get() : nullptr).flagged;
    }
    if (++i == lines.size()) {
      i = 0;
      state.PauseTiming();
      full_runs += engine_ptr->full_runs();
      engine_ptr = std::make_unique<vigil::crs::evaluator>(filter->shared_rules());
      fast_path_ptr = std::make_unique<vigil::crs::prefilter_scan>(filter);
      state.ResumeTiming();
    }
  }
  full_runs += engine_ptr->full_runs();
  state.SetItemsProcessed(state.iterations());
  state.counters["flagged_share"] = static_cast<double>(flagged) / static_cast<double>(state.iterations());
  state.counters["candidates"] = static_cast<double>(candidates) / static_cast<double>(state.iterations());
  state.counters["full_share"] = static_cast<double>(full_runs) / static_cast<double>(state.iterations());
  state.counters["covered"] = static_cast<double>(filter->covered());
  state.counters["approximated"] = static_cast<double>(filter->approximated());
}

void BM_crs_corpus(benchmark::State& state) {
  static const auto lines = corpus_lines();
  run(state, lines, state.range(0) != 0);
}
BENCHMARK(BM_crs_corpus)->ArgName("prefilter")->Arg(0)->Arg(1);

void BM_crs_generated(benchmark::State& state) {
  static const auto lines = generated_lines();
  run(state, lines, state.range(0) != 0);
}
BENCHMARK(BM_crs_generated)->ArgName("prefilter")->Arg(0)->Arg(1);

void BM_crs_scan_only(benchmark::State& state) {
  static const auto generated = generated_lines();
  static const auto labelled = corpus_lines();
  const auto& lines = state.range(0) ? labelled : generated;
  auto fast_path = std::make_unique<vigil::crs::prefilter_scan>(shared_prefilter());
  vigil::line_parser parser;
  vigil::log_record record;
  vigil::crs::request request;
  std::size_t i = 0, bytes = 0, hits = 0;
  for (auto _ : state) {
    if (parser.parse(lines[i], record)) {
      request.assign(record);
      fast_path->scan(request);
      bytes += fast_path->scanned_bytes();
    }
    if (++i == lines.size()) {  // a fresh memo per pass, as in run()
      i = 0;
      state.PauseTiming();
      hits += fast_path->cache_hits();
      fast_path = std::make_unique<vigil::crs::prefilter_scan>(shared_prefilter());
      state.ResumeTiming();
    }
  }
  hits += fast_path->cache_hits();
  state.SetItemsProcessed(state.iterations());
  state.counters["bytes"] = static_cast<double>(bytes) / static_cast<double>(state.iterations());
  state.counters["cached_values"] = static_cast<double>(hits) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_crs_scan_only)->ArgName("corpus")->Arg(0)->Arg(1);

// What every line costs before CRS: parsing, and the request's variables (variables.hpp).
void BM_crs_request_only(benchmark::State& state) {
  static const auto lines = corpus_lines();
  vigil::line_parser parser;
  vigil::log_record record;
  vigil::crs::request request;
  std::size_t i = 0;
  for (auto _ : state) {
    if (parser.parse(lines[i], record)) request.assign(record);
    benchmark::DoNotOptimize(request.args.size());
    if (++i == lines.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_crs_request_only);

}  // namespace
BENCHMARK_MAIN();
