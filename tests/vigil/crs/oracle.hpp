#pragma once
// The CRS oracle: the OWASP Core Rule Set (Debian's modsecurity-crs 3.3.4) evaluated by the reference
// SecLang engine, libmodsecurity3, on one access-log line replayed as a request. vigil's own CRS engine
// (apps/vigil/src/crs) must agree with it; the corpora under tests/vigil/data/crs are labelled with it.
//
// What is replayed, and what vigil's engine must therefore see the same way:
//  - The connection comes from 192.0.2.1:40000 (TEST-NET-1) to 192.0.2.2:80, whatever the log says. Not
//    127.0.0.1: CRS's 905100/905110 switch the rule engine off for some loopback requests, and the IP
//    collection (keyed by address and User-Agent hash) would be one more input for no benefit. With the
//    default crs-setup.conf no rule reads or writes persistent collections between requests, so every
//    evaluation is independent of the ones before it.
//  - processURI(target, method, version): `version` is what follows "HTTP/" in the logged protocol
//    ("HTTP/1.1" -> "1.1"); an empty protocol (nginx's HTTP/0.9 lines) is sent as "0.9", anything else
//    as it is. libmodsecurity rebuilds REQUEST_LINE as "<method> <target> HTTP/<version>".
//  - Request headers: exactly Host, User-Agent and Referer, in that order, each only when the log has
//    it (an empty field means the header was absent; nginx's combined format has no Host at all). No
//    other header is invented, so the rules about missing headers fire as if every client omitted them:
//    920280 "Request Missing a Host Header" (PL1, 3 points) on every line without Host; at PL2 920320
//    (no User-Agent) and 920300 (no Accept, 2 points; CRS exempts User-Agents containing AppleWebKit or
//    Android), so a plain Firefox, curl or Googlebot GET reaches 5 and is flagged at PL2; and 920180
//    (POST without Content-Length, 3 points, not for HTTP/2) on every HTTP/1.x POST line. See
//    oracle_test.cpp for the exact sets. vigil's engine must evaluate the same header set, not a
//    plausible browser's.
//  - nginx's log escaping (\xHH for '"', '\\', control and non-ASCII bytes) is undone in every field
//    before it is handed over: the request carried those bytes raw. Percent-encoding is left alone; that
//    is libmodsecurity's (and CRS's transformations') business. A NUL byte ends the target early
//    (processURI takes C strings); headers keep it.
//  - No request body; processRequestBody() still runs so phase 2 (where most rules and the blocking
//    evaluation live) is evaluated.
//
// The engine runs in DetectionOnly: every rule of every phase is evaluated and the score is complete;
// 949110's deny is recorded (its message is logged) but not enforced. Nothing is written to disk: no audit
// log, no debug log, and the server-log callback is a no-op (without one libmodsecurity prints every
// match to stderr).
#include <string>
#include <string_view>
#include <vector>
#include <memory>

namespace modsecurity {
class ModSecurity;
class RulesSet;
}  // namespace modsecurity

namespace vigil::testing {

struct oracle_request {            // what an nginx access log line carries
  std::string_view method, target, protocol;   // target: the raw request target as logged ("/a?b=%27")
  std::string_view host, user_agent, referer;  // empty: header absent
};

struct oracle_verdict {
  bool flagged = false;            // inbound anomaly score >= threshold (rule 949110 fired)
  int anomaly_score = 0;           // the inbound anomaly score CRS computed (TX:ANOMALY_SCORE after phase 2)
  std::vector<int> rule_ids;       // ids of the rules that matched and logged, in evaluation order,
                                   // each once, excluding 949110/980xxx
};

inline constexpr std::string_view default_crs_rules_dir = "/usr/share/modsecurity-crs/rules";
inline constexpr std::string_view default_crs_setup = "/etc/modsecurity/crs/crs-setup.conf";

class crs_oracle {
 public:
  // Loads crs-setup.conf and every REQUEST-9*.conf of `rules_dir` in name order (the RESPONSE-* files are
  // irrelevant to a log line and are not loaded), with tx.paranoia_level and
  // tx.inbound_anomaly_score_threshold set by SecAction 900000/900110 between the two, as an operator
  // would. Throws std::runtime_error with libmodsecurity's error text on failure.
  // `extra` is more SecLang, loaded after SecAction 900110 and before the rules: vigil's
  // crs::rule_set::replay_directives(), so that both engines run the same configuration.
  crs_oracle(const std::string& rules_dir, const std::string& setup_conf, int paranoia_level,
             int anomaly_threshold, const std::vector<std::string>& extra = {});
  ~crs_oracle();
  crs_oracle(const crs_oracle&) = delete;
  crs_oracle& operator=(const crs_oracle&) = delete;

  oracle_verdict evaluate(const oracle_request& request);  // not thread-safe; one oracle per thread

  // The configuration text handed to RulesSet::load (Include lines for the files), for error messages
  // and for anyone reproducing a verdict with another connector.
  const std::string& configuration() const { return configuration_; }

 private:
  std::unique_ptr<modsecurity::ModSecurity> engine_;
  std::unique_ptr<modsecurity::RulesSet> rules_;
  std::string configuration_;
  // Reused per evaluation: the unescaped fields (processURI wants NUL-terminated strings).
  std::string method_, target_, version_, host_, user_agent_, referer_;
};

// Undoes nginx's \xHH log escaping (exact inverse: nginx escapes '"', '\\', bytes < 0x20 and >= 0x7f).
void unescape_nginx_log(std::string_view in, std::string& out);

}  // namespace vigil::testing
