#pragma once
// CRS as vigil uses it: the loaded rule set with its prefilter (`crs_rules`, shared, immutable) and a
// per-thread `crs_detector` that turns a parsed log line into a verdict and an alert's description
// (rule ids, messages, tags, matched variable and data, score, category, severity).
//
// Configuration keys (section `rules.crs`): enabled, path, setup, paranoia_level, anomaly_threshold.
// A rule set is loaded completely (parsed, compiled) before anyone sees it; a reload builds a new
// one and the detectors move to it between lines (see rule_engine for the same pattern).
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "crs/evaluator.hpp"
#include "crs/prefilter.hpp"
#include "parse/record.hpp"
#include "rules/rule.hpp"

namespace vigil::crs {

struct crs_options {
  bool enabled = true;
  load_options load;
  // Where crs_rules::load keeps the compiled prefilter when load.cache_dir is empty: vigil serve's
  // ./var/cache/crs when `service`, else the user's cache ($XDG_CACHE_HOME/vigil, ~/.cache/vigil).
  // `cache` false: no cache at all (load.cache_dir ignored).
  bool service = false;
  bool cache = true;
};

// The default cache directory for vigil serve (`service`) or a command-line tool; empty when there
// is none (no HOME for a tool).
std::string default_cache_dir(bool service);

class crs_rules {
 public:
  // Loads and compiles. Throws seclang_error (missing directory: names the path and the package).
  static std::shared_ptr<const crs_rules> load(const crs_options& options);

  const std::shared_ptr<const rule_set>& rules() const { return rules_; }
  const std::shared_ptr<const prefilter>& filter() const { return filter_; }
  const crs_options& options() const { return options_; }

 private:
  crs_options options_;
  std::shared_ptr<const rule_set> rules_;
  std::shared_ptr<const prefilter> filter_;
};

// What an alert says about the CRS rules that fired on its line.
struct crs_finding {
  int id = 0;
  std::string msg;                // the rule's message (macros other than literal text shown as written)
  std::vector<std::string> tags;  // attack-sqli, paranoia-level/1, capec/..., OWASP_CRS
  std::string severity;           // CRS's own: CRITICAL, WARNING, NOTICE...
  std::string variable;           // ARGS:id
  std::string data;               // the matched value after transformations, truncated
};

// The rule families the threat model counts hits of (features.hpp), by their attack-* tag: attack-sqli
// is "sqli"; a tag outside the list counts as "other".
inline constexpr std::array<std::string_view, 9> crs_families{
    "sqli", "xss", "rce", "lfi", "rfi", "injection-php", "protocol", "reputation-scanner", "other"};

struct crs_result {
  bool flagged = false;
  int score = 0;
  int threshold = 5;
  std::string category;  // from the first detection rule's attack-* tag: sqli, xss, rce, lfi, ...
  vigil::severity level = vigil::severity::none;  // from the score: see severity_for_score
  std::vector<crs_finding> findings;  // detection rules only (not 949xxx/980xxx bookkeeping); when flagged
  // Detection rules that matched per crs_families slot, also below the threshold (the model's signal).
  std::array<std::uint8_t, crs_families.size()> family_hits{};

  // {"score":10,"threshold":5,"category":"sqli","rules":[{"id":942100,...}]}
  std::string json() const;
};

// The request headers a log format records, for load_options::logged_headers: "combined" has
// User-Agent and Referer, "json" (vigil's JSON shape) all three, an nginx log_format string those of
// $http_user_agent, $http_referer and $host it names.
std::vector<std::string> headers_logged_by(const std::string& format);
// `options` for reading logs in `format`: load.logged_headers set by headers_logged_by, so the rules
// about headers that format does not record are skipped.
crs_options for_format(crs_options options, const std::string& format);

// medium at the threshold, high at twice, critical at four times (two critical rules are 10 points
// at CRS's defaults, four are 20).
vigil::severity severity_for_score(int score, int threshold);

// Per thread. Follows one crs_rules for its life (make a new detector after a reload).
class crs_detector {
 public:
  explicit crs_detector(std::shared_ptr<const crs_rules> rules);

  // Evaluates the line. `client` overrides the logged address (trusted proxies); empty keeps it.
  const crs_result& detect(const log_record& record, std::string_view client = {});
  const std::shared_ptr<const crs_rules>& rules() const { return rules_; }

 private:
  std::shared_ptr<const crs_rules> rules_;
  evaluator evaluator_;
  prefilter_scan prefilter_;
  request request_;
  crs_result result_;
};

}  // namespace vigil::crs
