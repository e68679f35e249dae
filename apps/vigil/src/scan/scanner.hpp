#pragma once
// Batch scanning (`vigil scan`): reads files in line-aligned chunks, parses and matches chunks in
// parallel on worker threads (each with its own parser and Hyperscan scratch), then consumes the
// results strictly in input order on the calling thread: behaviour windows, alert output and
// counts. Output is therefore identical for any thread count.
//
// Alerts are written as JSON lines through the sink, one per flagged line (type "rule") and one
// per behaviour threshold crossed (type "behaviour"). Memory is bounded by the number of chunks
// in flight (2 per worker) times the chunk size.
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "behaviour/behaviour.hpp"
#include "crs/detector.hpp"
#include "parse/line_parser.hpp"
#include "parse/malformed_log.hpp"
#include "rules/rule_engine.hpp"

namespace vigil {

struct scan_options {
  parser_options parser;
  unsigned threads = 2;
  bool behaviour = true;
  behaviour_options windows;
  std::size_t chunk_bytes = 1 << 20;
  // The Core Rule Set, evaluated on every line beside vigil's own signatures; null: signatures only.
  std::shared_ptr<const crs::crs_rules> crs;
  // Reverse proxies whose X-Forwarded-For / X-Real-IP are believed (parse/client_address.hpp).
  std::vector<std::string> trusted_proxies;
};

struct scan_summary {
  std::uint64_t lines = 0;
  std::uint64_t parsed = 0;
  std::uint64_t rule_alerts = 0;  // lines with at least one rule hit or a CRS score at the threshold
  std::uint64_t crs_alerts = 0;   // of them, lines CRS flagged
  std::uint64_t behaviour_alerts = 0;
  malformed_log malformed{16};
  std::map<std::string, std::uint64_t> by_rule;  // vigil's rule ids, and CRS rule ids ("942100")
  std::map<std::string, std::uint64_t> by_category;
  std::map<std::string, std::uint64_t> by_behaviour;
  std::uint64_t clients_evicted = 0;
  std::vector<std::string> errors;  // unreadable files

  bool found() const { return rule_alerts + behaviour_alerts > 0; }
};

using alert_sink = std::function<void(std::string_view json_line)>;

class scanner {
 public:
  scanner(const rule_engine& rules, scan_options options);

  // Scans each path ("-" is standard input) and returns the totals. Alerts go to `sink` (may be
  // empty, for summaries) in input order.
  scan_summary scan(const std::vector<std::string>& paths, const alert_sink& sink);

 private:
  const rule_engine& rules_;
  scan_options options_;
};

}  // namespace vigil
