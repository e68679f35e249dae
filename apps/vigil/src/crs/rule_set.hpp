#pragma once
// The Core Rule Set as loaded for access logs: every REQUEST-9xx rule of phases 1 and 2 in file
// order, with the operator's configuration (paranoia level, anomaly threshold) applied the way an
// operator would, before the rules, as crs-setup.conf's examples do. Immutable once loaded and
// shared by every scanning thread; a reload builds a new one.
#include <hs/hs.h>

#include <array>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "crs/rule.hpp"
#include "crs/seclang.hpp"

namespace vigil::crs {

struct load_options {
  std::string rules_dir = "/usr/share/modsecurity-crs/rules";  // REQUEST-*.conf and the .data files
  std::string setup_file = "/etc/modsecurity/crs/crs-setup.conf";  // empty: none
  int paranoia_level = 1;     // 1-4
  int anomaly_threshold = 5;  // inbound; CRS's default
  // tx.allowed_methods (rule 911100), as crs-setup.conf's 900200 sets it. CRS's default, for a WAF
  // in front of a site that declares its methods, is "GET HEAD POST OPTIONS"; an access log shows
  // every REST API's PUT, PATCH and DELETE, which are no attack. Empty: CRS's default.
  std::string allowed_methods = "GET HEAD POST OPTIONS PUT PATCH DELETE";
  // More SecLang, loaded after the setup file and before the rules (SecRuleRemoveById, ...).
  std::vector<std::string> extra_directives;
  // The request headers the log format records (User-Agent, Referer, Host with $host). When set,
  // rules that read another header by name are skipped: a log line cannot tell whether a request
  // had an Accept or Content-Length header, and CRS would score its absence on every line. Empty:
  // every rule is evaluated, on the headers the line has (as a replay through ModSecurity would).
  std::vector<std::string> logged_headers;
  // Where the prefilter's compiled Hyperscan database is kept between runs (prefilter_cache.hpp);
  // empty: compiled at every load. A broken cache only costs the compile, never the load.
  std::string cache_dir;
};

// Counts of what a log line cannot feed, by file and reason (`vigil check-rules`).
using skip_report = std::map<std::string, std::map<std::string, int>>;

class rule_set {
 public:
  // Reads and compiles everything. Throws seclang_error naming the file, line and cause; a missing
  // directory names the Debian package that provides it.
  static std::shared_ptr<const rule_set> load(const load_options& options);
  // Same, from SecLang text (tests, `rules.d`): `dir` resolves @pmFromFile.
  static std::shared_ptr<const rule_set> from_text(const std::string& text, const std::string& dir = ".");

  ~rule_set();
  rule_set(const rule_set&) = delete;
  rule_set& operator=(const rule_set&) = delete;

  // Rules and markers of phase 1 (request headers) and 2 (request body), in evaluation order.
  const std::vector<const rule*>& phase(int n) const { return phases_[n == 1 ? 0 : 1]; }
  const rule* find(int id) const;
  const load_options& options() const { return options_; }
  const skip_report& skipped() const { return skipped_; }
  // Ids of the rules skipped because they read a header the log format does not record
  // (load_options::logged_headers): what a replay through ModSecurity must remove to agree.
  const std::vector<int>& unlogged_header_rules() const { return unlogged_header_rules_; }
  // The SecLang another engine (ModSecurity, the tests' oracle) needs, after the setup file and the
  // paranoia level and threshold and before the rules, to evaluate exactly as this set does:
  // allowed_methods, extra_directives, and SecRuleRemoveById for unlogged_header_rules().
  std::vector<std::string> replay_directives() const;
  std::size_t rule_count() const { return owned_.size(); }
  std::size_t evaluable_count() const { return evaluable_; }  // rules with a rule::index
  // A Hyperscan scratch large enough for every database the rules use; clone it per thread.
  const hs_scratch_t* scratch_prototype() const { return scratch_; }

 private:
  rule_set() = default;
  friend class rule_loader;
  load_options options_;
  std::vector<std::unique_ptr<rule>> owned_;
  std::array<std::vector<const rule*>, 2> phases_;
  skip_report skipped_;
  std::vector<int> unlogged_header_rules_;
  std::size_t evaluable_ = 0;
  hs_scratch_t* scratch_ = nullptr;
};

}  // namespace vigil::crs
