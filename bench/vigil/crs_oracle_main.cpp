// crs_oracle: the reference verdicts for vigil's CRS engine, and the reference engine's throughput.
// Reads access-log lines with vigil's own parser, evaluates each with libmodsecurity3 + CRS
// (tests/vigil/crs/oracle.hpp says exactly how a line is replayed) and prints one JSON object per line:
//
//   {"line":12,"flagged":true,"score":10,"ids":[920280,942100]}
//   {"line":13,"unparsed":true}
//
// Lines are numbered from 1 across all inputs, in order. At the end stderr gets the line and flagged
// counts and lines/s over the evaluation's wall time (rule loading excluded, reported apart).
//
//   crs_oracle --paranoia 2 --threads 2 tests/vigil/data/crs/dev.log > verdicts.jsonl
//
// --threads N gives each of N threads its own oracle (libmodsecurity transactions of one RulesSet are
// not meant to be evaluated concurrently through one oracle) and a contiguous share of every batch;
// output stays in input order.
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "crs/detector.hpp"
#include "vigil/crs/oracle.hpp"
#include "parse/line_parser.hpp"

namespace {

struct options {
  int paranoia = 1;
  int threshold = 5;
  std::string rules{vigil::testing::default_crs_rules_dir};
  std::string setup{vigil::testing::default_crs_setup};
  unsigned threads = 1;
  std::string format = "combined";
  bool as_shipped = false;
  std::vector<std::string> files;
};

// One thread's tools: an oracle and a parser (neither is thread-safe), and its output for a batch.
struct worker {
  std::unique_ptr<vigil::testing::crs_oracle> oracle;
  std::unique_ptr<vigil::line_parser> parser;
  std::string out;
  std::uint64_t flagged = 0;
};

void evaluate_share(worker& w, const std::vector<std::string>& lines, std::size_t begin, std::size_t end,
                    std::uint64_t first_number) {
  w.out.clear();
  vigil::log_record record;
  for (std::size_t i = begin; i < end; ++i) {
    const auto number = std::to_string(first_number + i);
    if (!w.parser->parse(lines[i], record)) {
      w.out += "{\"line\":" + number + ",\"unparsed\":true}\n";
      continue;
    }
    const auto v = w.oracle->evaluate({record.method, record.target, record.protocol, record.host,
                                       record.user_agent, record.referer});
    w.flagged += v.flagged ? 1 : 0;
    w.out += "{\"line\":" + number + ",\"flagged\":" + (v.flagged ? "true" : "false") +
             ",\"score\":" + std::to_string(v.anomaly_score) + ",\"ids\":[";
    for (std::size_t k = 0; k < v.rule_ids.size(); ++k) {
      if (k) w.out += ',';
      w.out += std::to_string(v.rule_ids[k]);
    }
    w.out += "]}\n";
  }
}

// Evaluates `lines` (numbered from first_number) across the workers and writes the output in order.
void evaluate_batch(std::vector<worker>& workers, const std::vector<std::string>& lines, std::uint64_t first_number) {
  const std::size_t n = workers.size();
  const std::size_t share = (lines.size() + n - 1) / n;
  std::vector<std::thread> threads;
  for (std::size_t t = 1; t < n; ++t) {
    const std::size_t begin = std::min(lines.size(), t * share), end = std::min(lines.size(), (t + 1) * share);
    threads.emplace_back([&, t, begin, end] { evaluate_share(workers[t], lines, begin, end, first_number); });
  }
  evaluate_share(workers[0], lines, 0, std::min(lines.size(), share), first_number);
  for (auto& thread : threads) thread.join();
  for (const auto& w : workers) std::fwrite(w.out.data(), 1, w.out.size(), stdout);
}

int run(const options& o) {
  const auto load_start = std::chrono::steady_clock::now();
  std::vector<worker> workers(std::max(1u, o.threads));
  try {
    vigil::parser_options parser_options;
    parser_options.format = o.format;
    // As vigil is configured for this format (REST methods allowed, the rules about headers the
    // format does not record removed), unless --as-shipped.
    std::vector<std::string> extra;
    if (!o.as_shipped) {
      vigil::crs::load_options vigil_options;
      vigil_options.rules_dir = o.rules;
      vigil_options.setup_file = o.setup;
      vigil_options.paranoia_level = o.paranoia;
      vigil_options.logged_headers = vigil::crs::headers_logged_by(o.format);
      extra = vigil::crs::rule_set::load(vigil_options)->replay_directives();
    }
    for (auto& w : workers) {
      w.parser = std::make_unique<vigil::line_parser>(parser_options);
      w.oracle = std::make_unique<vigil::testing::crs_oracle>(o.rules, o.setup, o.paranoia, o.threshold, extra);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "crs_oracle: %s\n", e.what());
    return 2;
  }
  const double load_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - load_start).count();

  // Batches bound the memory on big inputs while giving every thread enough lines per hand-off.
  const std::size_t batch = 2048 * workers.size();
  std::vector<std::string> lines;
  std::uint64_t total = 0;
  double seconds = 0;
  const auto flush = [&] {
    const auto start = std::chrono::steady_clock::now();
    evaluate_batch(workers, lines, total + 1);
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    total += lines.size();
    lines.clear();
  };
  for (const auto& file : o.files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "crs_oracle: cannot read %s\n", file.c_str());
      return 2;
    }
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      lines.push_back(std::move(line));
      if (lines.size() == batch) flush();
    }
  }
  if (!lines.empty()) flush();
  std::fflush(stdout);

  std::uint64_t flagged = 0;
  for (const auto& w : workers) flagged += w.flagged;
  std::fprintf(stderr,
               "crs_oracle: lines %llu, flagged %llu, %.0f lines/s (wall, %zu thread%s, %.2f s; "
               "rules loaded in %.2f s, PL%d, threshold %d)\n",
               static_cast<unsigned long long>(total), static_cast<unsigned long long>(flagged),
               seconds > 0 ? static_cast<double>(total) / seconds : 0.0, workers.size(), workers.size() == 1 ? "" : "s",
               seconds, load_seconds, o.paranoia, o.threshold);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  CLI::App app{"Evaluates access-log lines with libmodsecurity3 + OWASP CRS (vigil's reference verdicts)"};
  app.add_option("--paranoia", o.paranoia, "CRS paranoia level")->check(CLI::Range(1, 4));
  app.add_option("--threshold", o.threshold, "inbound anomaly score threshold")->check(CLI::PositiveNumber);
  app.add_option("--rules", o.rules, "directory of the CRS REQUEST-9*.conf files")->check(CLI::ExistingDirectory);
  app.add_option("--setup", o.setup, "crs-setup.conf")->check(CLI::ExistingFile);
  app.add_option("--threads", o.threads, "oracle instances, one per thread")->check(CLI::Range(1u, 256u));
  app.add_option("--format", o.format, "\"combined\" or an nginx log_format string");
  app.add_flag("--as-shipped", o.as_shipped,
               "CRS exactly as shipped (default: as vigil configures it: REST methods allowed, rules about "
               "headers the format does not record removed)");
  app.add_option("files", o.files, "access logs")->required()->check(CLI::ExistingFile);
  CLI11_PARSE(app, argc, argv);
  return run(o);
}
