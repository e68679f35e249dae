// vigil: the reference service's command line: `serve` (the service), `check-config`,
// and the batch tools `scan` (CRS, signatures and behaviour windows over log files), `explain` (which
// CRS rules a line matches, step by step), `gen` (labelled
// synthetic traffic), `eval` (detection quality), `train` (the threat model) and `check-rules`.
// Exit codes: 0 success, 2 a usage error (whatever CLI11's own code), then each command's own (scan:
// 1 when something was found). No command prints the help and exits 2; --version prints the version and
// the git revision, --bundled-files where the bundled files were found (paths/bundled_files.hpp).
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <thread>

#include "build_info.hpp"
#include "crs/commands.hpp"
#include "eval/quality.hpp"
#include "gen/traffic_gen.hpp"
#include "parse/client_address.hpp"
#include "paths/bundled_files.hpp"
#include "model/hybrid_eval.hpp"
#include "rules/rule_engine.hpp"
#include "scan/scanner.hpp"
#include "service/service_main.hpp"
#include "train/train_command.hpp"

namespace {

int run_scan(const std::vector<std::string>& files, const vigil::rule_sources& rules_path, const std::string& format,
             unsigned threads, bool summary_only, bool no_behaviour, const vigil::crs::crs_options& crs,
             const std::vector<std::string>& trusted_proxies) {
  std::unique_ptr<vigil::rule_engine> engine;
  try {
    engine = std::make_unique<vigil::rule_engine>(rules_path);
  } catch (const std::exception& e) {
    fmt::print(stderr, "vigil scan: {}\n", e.what());
    return 2;
  }
  vigil::scan_options options;
  options.parser.format = format;
  options.threads = threads;
  options.behaviour = !no_behaviour;
  options.trusted_proxies = trusted_proxies;
  try {
    vigil::address_set check(trusted_proxies);
  } catch (const std::exception& e) {
    fmt::print(stderr, "vigil scan: --trusted-proxy: {}\n", e.what());
    return 2;
  }
  options.crs = vigil::crs::load_for_tool(vigil::crs::for_format(crs, format), "scan");
  std::unique_ptr<vigil::scanner> scanner;
  try {
    scanner = std::make_unique<vigil::scanner>(*engine, options);
    vigil::line_parser probe(options.parser);  // reports a bad --format before reading anything
  } catch (const std::exception& e) {
    fmt::print(stderr, "vigil scan: --format: {}\n", e.what());
    return 2;
  }
  std::string buffer;
  vigil::alert_sink sink;
  if (!summary_only) {
    sink = [&buffer](std::string_view line) {
      buffer += line;
      buffer += '\n';
      if (buffer.size() > (1 << 16)) {
        std::fwrite(buffer.data(), 1, buffer.size(), stdout);
        buffer.clear();
      }
    };
  }
  const auto start = std::chrono::steady_clock::now();
  const auto s = scanner->scan(files, sink);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fwrite(buffer.data(), 1, buffer.size(), stdout);
  std::fflush(stdout);
  for (const auto& e : s.errors) fmt::print(stderr, "vigil scan: {}\n", e);
  if (summary_only) {
    nlohmann::json out;
    out["lines"] = s.lines;
    out["parsed"] = s.parsed;
    out["malformed"] = s.malformed.count();
    out["rule_alerts"] = s.rule_alerts;
    out["crs_alerts"] = s.crs_alerts;
    out["crs"] = options.crs ? nlohmann::json{{"paranoia_level", crs.load.paranoia_level},
                                              {"anomaly_threshold", crs.load.anomaly_threshold}}
                             : nlohmann::json(nullptr);
    out["behaviour_alerts"] = s.behaviour_alerts;
    out["by_category"] = s.by_category;
    out["by_rule"] = s.by_rule;
    out["by_behaviour"] = s.by_behaviour;
    out["clients_evicted"] = s.clients_evicted;
    out["seconds"] = seconds;
    out["lines_per_second"] = seconds > 0 ? static_cast<double>(s.lines) / seconds : 0.0;
    auto& samples = out["malformed_samples"] = nlohmann::json::array();
    for (const auto& m : s.malformed.samples())
      samples.push_back({{"reason", m.reason}, {"length", m.length}, {"text", m.text}});
    std::cout << out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  }
  if (!s.errors.empty()) return 2;
  return s.found() ? 1 : 0;
}

int run_gen(const vigil::gen_options& options, const std::string& output, const std::string& labels_path,
            bool labelled) {
  std::FILE* out = output == "-" ? stdout : std::fopen(output.c_str(), "wb");
  if (!out) {
    fmt::print(stderr, "vigil gen: cannot write {}\n", output);
    return 2;
  }
  std::ofstream labels;
  if (!labels_path.empty()) {
    labels.open(labels_path, std::ios::binary);
    if (!labels) {
      fmt::print(stderr, "vigil gen: cannot write {}\n", labels_path);
      return 2;
    }
  }
  vigil::traffic_generator generator(options);
  vigil::gen_line line;
  std::string buffer;
  while (generator.next(line)) {
    if (labelled) {
      buffer += line.label;
      buffer += '\t';
    }
    buffer += line.text;
    buffer += '\n';
    if (labels.is_open()) labels << line.label << '\n';
    if (buffer.size() > (1 << 16)) {
      std::fwrite(buffer.data(), 1, buffer.size(), out);
      buffer.clear();
    }
  }
  std::fwrite(buffer.data(), 1, buffer.size(), out);
  if (out != stdout) std::fclose(out);
  return 0;
}

int run_check_rules(const vigil::rule_sources& sources, const vigil::crs::crs_options& crs, const std::string& format) {
  try {
    if (crs.enabled) vigil::crs::print_load_report(*vigil::crs::crs_rules::load(vigil::crs::for_format(crs, format)));
    const auto rules = vigil::rule_set::load(sources);
    std::map<std::string, int> per_category;
    std::map<std::string, int> per_field;
    for (const auto& r : rules->rules()) {
      ++per_category[r.category];
      ++per_field[std::string(vigil::rule_field_names[static_cast<std::size_t>(r.field)])];
    }
    for (const auto& f : rules->files())
      fmt::print("{}: {}\n", f.path, f.enabled ? fmt::format("{} rules", f.rules) : std::string("off (enabled: false)"));
    fmt::print("{} rules compiled\n", rules->rules().size());
    for (const auto& [c, n] : per_category) fmt::print("  category {}: {}\n", c, n);
    for (const auto& [f, n] : per_field) fmt::print("  field {}: {}\n", f, n);
    return 0;
  } catch (const std::exception& e) {
    fmt::print(stderr, "vigil check-rules: {}\n", e.what());
    return 2;
  }
}

int run_eval(const std::string& path, const std::string& rules_path) {
  std::shared_ptr<const vigil::rule_set> rules;
  try {
    rules = vigil::rule_set::load(rules_path);
  } catch (const std::exception& e) {
    fmt::print(stderr, "vigil eval: {}\n", e.what());
    return 2;
  }
  std::ifstream in(path == "-" ? "/dev/stdin" : path, std::ios::binary);
  if (!in) {
    fmt::print(stderr, "vigil eval: cannot read {}\n", path);
    return 2;
  }
  vigil::quality_meter meter(rules);
  std::string line;
  while (std::getline(in, line)) meter.add(line);
  const auto report = meter.finish();
  nlohmann::json out;
  out["lines"] = report.lines;
  out["malformed"] = report.malformed;
  out["benign_lines"] = report.benign_lines;
  out["benign_flagged"] = report.benign_flagged;
  auto describe = [](const vigil::confusion& c) {
    return nlohmann::json{{"tp", c.tp}, {"fp", c.fp}, {"fn", c.fn}, {"precision", c.precision()}, {"recall", c.recall()}};
  };
  for (const auto& [name, c] : report.categories) out["signatures"][name] = describe(c);
  for (const auto& [name, c] : report.behaviour) out["behaviour_clients"][name] = describe(c);
  std::cout << out.dump(2) << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"vigil: detects attacks in nginx access logs"};
  app.require_subcommand(0, 1);  // no subcommand: the help (below)
  const auto& bundled = vigil::paths::bundled();
  app.set_version_flag("--version", [] { return lifespan::build_info::version_line("vigil"); });
  bool print_bundled = false;
  app.add_flag("--bundled-files", print_bundled, "print where the bundled rules, dashboard, config and model were found");

  auto* scan = app.add_subcommand("scan", "scan log files (or - for standard input); exit 1 when something was found");
  std::vector<std::string> files;
  std::string rules_path = bundled.rules().string();
  std::string rules_dir;  // a rules.d directory of extra rule files (rules/rule_sources.hpp)
  std::string format = "combined";
  unsigned threads = std::max(1u, std::min(4u, std::thread::hardware_concurrency()));
  bool summary_only = false;
  bool no_behaviour = false;
  scan->add_option("files", files, "log files; - reads standard input")->required();
  scan->add_option("--rules", rules_path, "rules YAML file")->capture_default_str();
  scan->add_option("--rules-dir", rules_dir, "rules.d directory: every *.yaml in it, unless it says enabled: false");
  scan->add_option("--format", format, "combined, json, or an nginx log_format string")->capture_default_str();
  scan->add_option("--threads", threads, "worker threads")->capture_default_str()->check(CLI::Range(1u, 64u));
  scan->add_flag("--summary", summary_only, "print totals as one JSON document instead of alerts");
  scan->add_flag("--no-behaviour", no_behaviour, "signatures only (no per-client windows)");
  vigil::crs::crs_options crs;
  vigil::crs::add_crs_options(*scan, crs);
  std::vector<std::string> trusted_proxies;
  scan->add_option("--trusted-proxy", trusted_proxies,
                   "CIDR of a reverse proxy whose X-Forwarded-For is believed (repeatable)");

  auto* explain = app.add_subcommand("explain", "show which CRS rules a log line matches, step by step; exit 1 if flagged");
  std::vector<std::string> explain_lines;
  explain->add_option("lines", explain_lines, "access-log lines; - reads them from standard input")->required();
  explain->add_option("--format", format, "combined, json, or an nginx log_format string")->capture_default_str();
  vigil::crs::add_crs_options(*explain, crs);

  auto* gen = app.add_subcommand("gen", "write labelled synthetic nginx combined traffic");
  vigil::gen_options gen_options;
  std::string output = "-";
  std::string labels_path;
  bool labelled = false;
  gen->add_option("--lines,-n", gen_options.lines, "lines to write")->capture_default_str();
  gen->add_option("--seed", gen_options.seed, "random seed (same seed, same output)")->capture_default_str();
  gen->add_option("--rate", gen_options.rate, "lines per simulated second")->capture_default_str();
  gen->add_option("--attack-share", gen_options.attack_share, "share of single attack lines")
      ->capture_default_str()->check(CLI::Range(0.0, 1.0));
  gen->add_option("--behaviour-share", gen_options.behaviour_share, "share of lines in behaviour episodes")
      ->capture_default_str()->check(CLI::Range(0.0, 1.0));
  gen->add_option("--start", gen_options.start_epoch, "epoch seconds of the first line")->capture_default_str();
  gen->add_option("--output,-o", output, "log output file (- for standard output)")->capture_default_str();
  gen->add_option("--labels", labels_path, "write one label per line to this file");
  gen->add_flag("--labelled", labelled, "prefix each line with its label and a tab");

  auto* eval = app.add_subcommand("eval", "precision and recall per category on labelled lines (gen --labelled)");
  std::string eval_path;
  eval->add_option("file", eval_path, "label<TAB>line file, - for standard input")->required();
  eval->add_option("--rules", rules_path, "rules YAML file")->capture_default_str();
  std::string eval_models;
  eval->add_option("--model", eval_models, "models root: rules alone vs hybrid with its 'threat' model");
  vigil::crs::crs_options eval_crs;  // --model: CRS verdicts are rules and model features, as in serve
  vigil::crs::add_crs_options(*eval, eval_crs);

  auto* check_rules = app.add_subcommand("check-rules", "validate and compile a rules file (exit 2 naming the bad rule)");
  check_rules->add_option("file", rules_path, "rules YAML file")->capture_default_str();
  check_rules->add_option("--rules-dir", rules_dir, "rules.d directory: every *.yaml in it, unless it says enabled: false");
  vigil::crs::add_crs_options(*check_rules, crs);
  check_rules->add_option("--format", format, "the log format CRS will read (what it records decides what is skipped)")
      ->capture_default_str();

  vigil::train_command train;
  vigil::add_train_command(app, train, rules_path);

  auto* serve = app.add_subcommand("serve", "run the service: tail the logs, detect, store alerts");
  lifespan::command_line serve_options;
  lifespan::add_command_line(*serve, serve_options);
  auto* check = app.add_subcommand("check-config", "validate configuration, rules and graph; exit 0 or 2");
  lifespan::command_line check_options;
  check->add_option("--config", check_options.config, "configuration file (default: the bundled vigil.yaml)");
  check->add_option("--set", check_options.set, "section.key=value override (repeatable)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;  // --help and --version: 0; every usage error: 2
  }
  if (print_bundled) {
    fmt::print("{} (found by {})\n", bundled.root.string(), bundled.found_by);
    return 0;
  }
  if (app.get_subcommands().empty()) {
    std::cerr << app.help() << "vigil: a command is required; `vigil serve` runs the service\n";
    return 2;
  }
  if (*scan) return run_scan(files, {rules_path, rules_dir}, format, threads, summary_only, no_behaviour, crs, trusted_proxies);
  if (*explain) return vigil::crs::run_explain(explain_lines, crs, format);
  if (*gen) return run_gen(gen_options, output, labels_path, labelled);
  if (*check_rules) return run_check_rules({rules_path, rules_dir}, crs, format);
  if (*eval && !eval_models.empty()) return vigil::run_hybrid_eval(eval_path, rules_path, eval_models, "threat", eval_crs);
  if (*eval) return run_eval(eval_path, rules_path);
  if (*train.command) return train.run();
  if (*check) {
    check_options.check_config = true;
    return vigil::service::serve(check_options);
  }
  return vigil::service::serve(serve_options);  // `serve` is the only command left
}
