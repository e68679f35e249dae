#pragma once
// The command-line face of CRS: the options `scan`, `explain` and `check-rules` share, `vigil
// explain` (what `cscli explain` and `fail2ban-regex --print-all-matched` give their users), and the
// report of what a log line cannot feed.
#include <CLI/CLI.hpp>

#include <memory>
#include <string>
#include <vector>

#include "crs/detector.hpp"

namespace vigil::crs {

// --crs-path, --crs-setup, --paranoia, --anomaly-threshold, --no-crs, and --exclude (repeatable,
// crs/exclusions.hpp), which is compiled into options.load.extra_directives after parsing.
void add_crs_options(CLI::App& command, crs_options& options);

// Loads CRS for a batch tool. When it cannot (missing directory, bad file), prints why on stderr,
// naming the path and the Debian package, and returns null: the tool goes on with vigil's own rules.
std::shared_ptr<const crs_rules> load_for_tool(const crs_options& options, const char* tool);

// `vigil explain LINE...` (or "-" for standard input, one line per line): for every rule that
// matched, the variable, the transformation chain with each step's output, the operator and what it
// matched, the points; then the total against the threshold. Returns 1 when a line is flagged, 0
// when none is, 2 on an error.
int run_explain(const std::vector<std::string>& lines, const crs_options& options, const std::string& format);

// `vigil check-rules` for CRS: rules loaded, covered by the prefilter, and skipped per file and reason.
void print_load_report(const crs_rules& rules);

}  // namespace vigil::crs
