// vigil scan throughput: parsing alone, parsing + signatures, and the whole batch scanner (rules
// and behaviour windows) over a generated file, per thread count. Items are log lines.
//
//   build/release/bench/vigil_scan --benchmark_min_time=1
#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>

#include "gen/traffic_gen.hpp"
#include "parse/line_parser.hpp"
#include "rules/analyze.hpp"
#include "scan/scanner.hpp"

namespace {

const std::vector<std::string>& sample_lines() {
  static const std::vector<std::string> lines = [] {
    vigil::gen_options o;
    o.lines = 100'000;
    o.seed = 1;
    vigil::traffic_generator g(o);
    std::vector<std::string> out;
    vigil::gen_line line;
    while (g.next(line)) out.push_back(line.text);
    return out;
  }();
  return lines;
}

const std::string& sample_file() {
  static const std::string path = [] {
    const auto p = (std::filesystem::temp_directory_path() / "vigil_bench_scan.log").string();
    std::ofstream out(p);
    for (const auto& l : sample_lines()) out << l << '\n';
    return p;
  }();
  return path;
}

void BM_parse(benchmark::State& state) {
  const auto& lines = sample_lines();
  vigil::line_parser parser;
  vigil::log_record record;
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(parser.parse(lines[i], record));
    if (++i == lines.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_parse);

void BM_parse_and_rules(benchmark::State& state) {
  const auto& lines = sample_lines();
  vigil::line_parser parser;
  vigil::rule_matcher matcher(vigil::rule_set::load(VIGIL_DEFAULT_RULES));
  vigil::log_record record;
  vigil::analysis result;
  std::size_t i = 0;
  for (auto _ : state) {
    if (parser.parse(lines[i], record)) vigil::analyze(record, matcher, result);
    benchmark::DoNotOptimize(result.hits.data());
    if (++i == lines.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_parse_and_rules);

void BM_scan_file(benchmark::State& state) {
  const auto& path = sample_file();
  vigil::rule_engine engine(VIGIL_DEFAULT_RULES);
  vigil::scan_options o;
  o.threads = static_cast<unsigned>(state.range(0));
  std::uint64_t lines = 0;
  for (auto _ : state) {
    std::uint64_t alerts = 0;
    const auto s = vigil::scanner(engine, o).scan({path}, [&](std::string_view) { ++alerts; });
    lines += s.lines;
    benchmark::DoNotOptimize(alerts);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(lines));
}
BENCHMARK(BM_scan_file)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
