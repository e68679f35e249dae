// What the pipeline adds to a line or an alert beyond parsing and signatures:
//  - GeoIP, per alert: geo_database::country (inet_pton + MMDB_lookup_sockaddr + iso_code) against its
//    peer, libmaxminddb's own string API (MMDB_lookup_string, getaddrinfo with AI_NUMERICHOST), on a
//    real database of 4,096 networks written by MaxMind's Perl writer (tests/vigil/write_test_mmdb.pl);
//  - extract_features, per line in hybrid mode, next to parse + signatures for the same lines;
//  - behaviour_tracker::observe, per line, with few clients and with a million distinct ones (the
//    eviction path at its max_clients bound).
//
//   cmake --build build/release -j2 --target vigil_alert_extras
//   build/release/bench/vigil_alert_extras --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>
#include <maxminddb.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "behaviour/behaviour.hpp"
#include "features/features.hpp"
#include "gen/traffic_gen.hpp"
#include "parse/line_parser.hpp"
#include "rules/analyze.hpp"
#include "service/geo_database.hpp"

namespace {

const std::filesystem::path& database_file() {
  static const std::filesystem::path path = [] {
    const auto p = std::filesystem::temp_directory_path() / "vigil_bench_country.mmdb";
    std::string command = "perl '" + std::string(LIFESPAN_SOURCE_DIR) + "/tests/vigil/write_test_mmdb.pl' '" + p.string() + "'";
    static const char* codes[] = {"FR", "US", "DE", "JP", "BR", "IN", "NL", "GB"};
    for (int i = 0; i < 2048; ++i)  // 2,048 IPv4 /24s and 2,048 IPv6 /48s
      command += " " + std::to_string(11 + i / 256) + "." + std::to_string(i % 256) + ".0.0/24=" + codes[i % 8] +
                 " 2a02:" + std::to_string(1000 + i) + "::/48=" + codes[(i + 3) % 8];
    if (std::system(command.c_str()) != 0) throw std::runtime_error("writing the benchmark database failed");
    return p;
  }();
  return path;
}

// Client addresses as alerts carry them: mostly found, some unknown, a quarter IPv6.
const std::vector<std::string>& addresses() {
  static const std::vector<std::string> out = [] {
    std::vector<std::string> a;
    for (int i = 0; i < 4096; ++i) {
      if (i % 4 == 3) a.push_back("2a02:" + std::to_string(1000 + i % 2048) + ":0:" + std::to_string(i % 97) + "::1");
      else if (i % 8 == 5) a.push_back("192.168." + std::to_string(i % 256) + ".1");  // not in the database
      else a.push_back(std::to_string(11 + (i % 2048) / 256) + "." + std::to_string(i % 256) + ".0." + std::to_string(i % 250 + 1));
    }
    return a;
  }();
  return out;
}

void BM_geoip_country(benchmark::State& state) {
  const auto db = vigil::service::geo_database::open(database_file());
  const auto& a = addresses();
  std::size_t i = 0, found = 0;
  for (auto _ : state) {
    const auto c = db->country(a[i]);
    found += !c.empty();
    benchmark::DoNotOptimize(c.data());
    if (++i == a.size()) i = 0;
  }
  state.counters["found"] = static_cast<double>(found) / static_cast<double>(state.iterations());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_geoip_country);

// The peer: what a straightforward libmaxminddb user writes.
void BM_mmdb_lookup_string(benchmark::State& state) {
  MMDB_s mmdb;
  if (MMDB_open(database_file().c_str(), MMDB_MODE_MMAP, &mmdb) != MMDB_SUCCESS) {
    state.SkipWithError("MMDB_open failed");
    return;
  }
  const auto& a = addresses();
  std::size_t i = 0, found = 0;
  for (auto _ : state) {
    int gai = 0, error = 0;
    auto r = MMDB_lookup_string(&mmdb, a[i].c_str(), &gai, &error);
    std::string c;
    if (gai == 0 && error == MMDB_SUCCESS && r.found_entry) {
      MMDB_entry_data_s d{};
      if (MMDB_get_value(&r.entry, &d, "country", "iso_code", nullptr) == MMDB_SUCCESS && d.has_data)
        c.assign(d.utf8_string, d.data_size);
    }
    found += !c.empty();
    benchmark::DoNotOptimize(c.data());
    if (++i == a.size()) i = 0;
  }
  MMDB_close(&mmdb);
  state.counters["found"] = static_cast<double>(found) / static_cast<double>(state.iterations());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_mmdb_lookup_string);

struct analysed_lines {
  std::vector<vigil::log_record> records;
  std::vector<vigil::analysis> results;
  std::shared_ptr<const vigil::rule_set> rules = vigil::rule_set::load(VIGIL_DEFAULT_RULES);
};
const analysed_lines& sample() {
  static const analysed_lines s = [] {
    analysed_lines out;
    vigil::gen_options o;
    o.lines = 20'000;
    o.seed = 1;
    vigil::traffic_generator g(o);
    vigil::line_parser parser;
    vigil::rule_matcher matcher(out.rules);
    vigil::gen_line line;
    while (g.next(line)) {
      vigil::log_record r;
      vigil::analysis a;
      if (!parser.parse(line.text, r)) continue;
      vigil::analyze(r, matcher, a);
      out.records.push_back(std::move(r));
      out.results.push_back(std::move(a));
    }
    return out;
  }();
  return s;
}

void BM_extract_features(benchmark::State& state) {
  const auto& s = sample();
  std::size_t i = 0;
  for (auto _ : state) {
    auto f = vigil::extract_features(s.records[i], s.results[i], *s.rules);
    benchmark::DoNotOptimize(f.data());
    if (++i == s.records.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_extract_features);

// Reference for the same lines: signatures alone (the records already parsed).
void BM_rules_only(benchmark::State& state) {
  const auto& s = sample();
  vigil::rule_matcher matcher(s.rules);
  vigil::analysis a;
  std::size_t i = 0;
  for (auto _ : state) {
    vigil::analyze(s.records[i], matcher, a);
    benchmark::DoNotOptimize(a.hits.data());
    if (++i == s.records.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_rules_only);

// arg 0: the generated traffic's own clients (a few hundred, all tracked); arg 1: every line from a new
// client (each observe evicts the least recently seen at max_clients = 100,000).
void BM_behaviour_observe(benchmark::State& state) {
  const auto& s = sample();
  std::vector<std::string> clients;
  if (state.range(0) == 1)
    for (int i = 0; i < 1'000'000; ++i)
      clients.push_back("10." + std::to_string((i >> 16) & 255) + "." + std::to_string((i >> 8) & 255) + "." + std::to_string(i & 255));
  vigil::behaviour_tracker tracker;
  std::vector<vigil::behaviour_alert> alerts;
  std::size_t i = 0, c = 0;
  for (auto _ : state) {
    const auto& r = s.records[i];
    alerts.clear();
    tracker.observe(clients.empty() ? std::string_view(r.remote_addr) : std::string_view(clients[c]), r.epoch, r.status,
                    std::string_view(r.target).substr(0, std::string_view(r.target).find('?')), alerts);
    if (++i == s.records.size()) i = 0;
    if (!clients.empty() && ++c == clients.size()) c = 0;
  }
  state.counters["tracked"] = static_cast<double>(tracker.tracked());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_behaviour_observe)->Arg(0)->Arg(1);

}  // namespace

BENCHMARK_MAIN();
