// vigil's CRS engine per line: parsing, rebuilding the request and evaluating CRS 3.3.4 (as Debian
// ships it) at paranoia level 1 on one thread. Items are log lines. Two inputs: the labelled corpus
// of tests/vigil/data/crs (half attacks from Debian's payload lists, half varied benign traffic) and
// vigil's generated traffic (mostly benign, the shape of a real site's log).
//
//   build/release/bench/vigil_crs --benchmark_min_time=1
#include <benchmark/benchmark.h>

#include <fstream>

#include "crs/evaluator.hpp"
#include "gen/traffic_gen.hpp"
#include "parse/line_parser.hpp"

namespace {

std::vector<std::string> corpus_lines() {
  std::ifstream in(std::string(LIFESPAN_SOURCE_DIR) + "/tests/vigil/data/crs/dev.log");
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

void run(benchmark::State& state, const std::vector<std::string>& lines) {
  auto rules = vigil::crs::rule_set::load({});
  vigil::crs::evaluator engine(rules);
  vigil::line_parser parser;
  vigil::log_record record;
  vigil::crs::request request;
  std::size_t i = 0, flagged = 0;
  for (auto _ : state) {
    if (parser.parse(lines[i], record)) {
      request.assign(record);
      flagged += engine.evaluate(request).flagged;
    }
    if (++i == lines.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["flagged_share"] = static_cast<double>(flagged) / static_cast<double>(state.iterations());
}

void BM_crs_corpus(benchmark::State& state) {
  static const auto lines = corpus_lines();
  run(state, lines);
}
BENCHMARK(BM_crs_corpus);

void BM_crs_generated(benchmark::State& state) {
  static const auto lines = generated_lines();
  run(state, lines);
}
BENCHMARK(BM_crs_generated);

}  // namespace
BENCHMARK_MAIN();
