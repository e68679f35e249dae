#include "crs/commands.hpp"

#include <fmt/format.h>

#include <iostream>

#include "crs/exclusions.hpp"
#include "parse/line_parser.hpp"

namespace vigil::crs {
namespace {

// Bytes outside printable ASCII shown as \xHH, so a terminal shows what the rule saw.
std::string printable(std::string_view s, std::size_t limit = 160) {
  std::string out;
  for (unsigned char c : s.substr(0, limit)) {
    if (c >= 0x20 && c < 0x7f && c != '\\') out += static_cast<char>(c);
    else out += fmt::format("\\x{:02x}", c);
  }
  if (s.size() > limit) out += "...";
  return out;
}

std::string pipeline(const rule& link) {
  if (link.transforms.empty()) return "t:none";
  std::string out;
  for (transform t : link.transforms) out += (out.empty() ? "t:" : ",t:") + std::string(transform_name(t));
  return out + (link.multi_match ? " (multiMatch)" : "");
}

// CRS's points per severity (crs-setup.conf's defaults), added once per matching value.
int points(const rule& link) {
  for (const auto& s : link.set_variables)
    if (s.op == set_variable::kind::add)
      for (const auto& p : s.value.parts)
        if (p.is_variable && p.key.size() > 14 && p.key.ends_with("_anomaly_score")) {
          if (p.key.starts_with("critical")) return 5;
          if (p.key.starts_with("error")) return 4;
          if (p.key.starts_with("warning")) return 3;
          if (p.key.starts_with("notice")) return 2;
        }
  return 0;
}

void explain_one(const std::string& line, line_parser& parser, evaluator& engine, int threshold, bool& flagged) {
  log_record record;
  std::cout << "line: " << printable(line, 400) << "\n";
  if (!parser.parse(line, record)) {
    std::cout << "  not a log line in this format (see --format)\n\n";
    return;
  }
  request req;
  req.assign(record);
  std::vector<evaluator::trace_step> trace;
  engine.set_trace(&trace);
  const verdict& v = engine.evaluate(req);  // the full interpreter: every operator traced
  engine.set_trace(nullptr);
  std::cout << "request: " << printable(req.request_line, 400) << "\n";
  for (const auto& m : v.matches) {
    const rule& top = *m.matched;
    if (top.id >= 949000) continue;
    std::string tags;
    for (const auto& t : top.tags)
      if (t.starts_with("attack-") || t.starts_with("paranoia-level/")) tags += (tags.empty() ? "" : ", ") + t;
    std::string msg;
    for (const auto& p : top.msg.parts) msg += p.is_variable ? "%{" + p.text + "}" : p.text;
    std::cout << fmt::format("  {} {}  [{}]\n", top.id, msg, tags);
    for (const rule* link = &top; link; link = link->chained.get()) {
      int hits = 0;
      for (const auto& step : trace) {
        if (step.link != link || !step.matched) continue;
        ++hits;
        std::cout << fmt::format("    {}  {}\n", step.variable, pipeline(*link));
        for (std::size_t i = 0; i < step.values.size(); ++i)
          std::cout << fmt::format("      {} \"{}\"\n", i == 0 ? "value" : "   ->", printable(step.values[i]));
        std::cout << fmt::format("      {}@{} {}  matched \"{}\"\n", link->negated ? "!" : "", link->op->name,
                                 printable(link->op->argument, 60), printable(step.tested));
      }
      if (int p = points(*link); p > 0 && hits > 0) std::cout << fmt::format("    +{} x {}\n", p, hits);
    }
  }
  flagged = flagged || v.flagged;
  std::cout << fmt::format("  anomaly score {} / threshold {}: {}\n\n", v.anomaly_score, threshold,
                           v.flagged ? "FLAGGED" : "not flagged");
}

}  // namespace

void add_crs_options(CLI::App& command, crs_options& o) {
  command.add_option("--crs-path", o.load.rules_dir, "OWASP CRS rules directory (Debian: modsecurity-crs)")
      ->capture_default_str();
  command.add_option("--crs-setup", o.load.setup_file, "crs-setup.conf to load first (empty: none)")->capture_default_str();
  command.add_option("--paranoia", o.load.paranoia_level, "CRS paranoia level")->capture_default_str()->check(CLI::Range(1, 4));
  command.add_option("--anomaly-threshold", o.load.anomaly_threshold, "inbound anomaly score that flags a line")
      ->capture_default_str()->check(CLI::Range(1, 1000));
  command.add_flag("--no-crs", [&o](std::int64_t) { o.enabled = false; }, "vigil's own signatures only");
  command.add_option_function<std::vector<std::string>>(
      "--exclude",
      [&o](const std::vector<std::string>& texts) {
        std::vector<exclusion> parsed;
        try {
          for (const auto& t : texts) parsed.push_back(exclusion::parse(t));
        } catch (const std::invalid_argument& e) {
          throw CLI::ValidationError("--exclude", e.what());
        }
        o.load.extra_directives = exclusion_directives(parsed);
      },
      "silence a CRS rule or tag, optionally for one argument or under a path: \"rule=942100 path=/search arg=q\"");
}

std::shared_ptr<const crs_rules> load_for_tool(const crs_options& options, const char* tool) {
  if (!options.enabled) return nullptr;
  try {
    return crs_rules::load(options);
  } catch (const std::exception& e) {
    fmt::print(stderr, "vigil {}: CRS: {}; going on with vigil's own rules only\n", tool, e.what());
    return nullptr;
  }
}

int run_explain(const std::vector<std::string>& lines, const crs_options& options, const std::string& format) {
  std::shared_ptr<const rule_set> rules;
  std::unique_ptr<line_parser> parser;
  try {
    rules = rule_set::load(for_format(options, format).load);
    parser_options po;
    po.format = format;
    parser = std::make_unique<line_parser>(po);
  } catch (const std::exception& e) {
    fmt::print(stderr, "vigil explain: {}\n", e.what());
    return 2;
  }
  evaluator engine(rules);
  bool flagged = false;
  for (const auto& arg : lines) {
    if (arg != "-") {
      explain_one(arg, *parser, engine, options.load.anomaly_threshold, flagged);
      continue;
    }
    for (std::string line; std::getline(std::cin, line);)
      if (!line.empty()) explain_one(line, *parser, engine, options.load.anomaly_threshold, flagged);
  }
  return flagged ? 1 : 0;
}

void print_load_report(const crs_rules& rules) {
  const auto& set = *rules.rules();
  const auto& o = rules.options().load;
  fmt::print("CRS {} (setup {}): {} rules at paranoia level {}, anomaly threshold {}\n", o.rules_dir,
             o.setup_file.empty() ? "none" : o.setup_file, set.evaluable_count(), o.paranoia_level, o.anomaly_threshold);
  const auto& f = *rules.filter();
  fmt::print("  prefilter: {} rules ruled out per line: {} by one Hyperscan scan ({} approximated), {} by exact checks\n",
             f.covered(), f.covered() - f.checked(), f.approximated(), f.checked());
  if (set.skipped().empty()) return;
  fmt::print("  skipped (what an access log does not carry):\n");
  for (const auto& [file, reasons] : set.skipped())
    for (const auto& [reason, count] : reasons) fmt::print("    {:<48} {:>3}  {}\n", file, count, reason);
}

}  // namespace vigil::crs
