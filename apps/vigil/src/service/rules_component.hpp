#pragma once
// The rule engine as a component (critical): the signatures file compiled into Hyperscan databases.
// An invalid file fails startup (and `vigil check-config`) naming the rule and the cause. On SIGHUP,
// reload() re-reads the file (or the newly configured path): the new set is built completely before it
// replaces the old one with one atomic store; a bad new set is rejected (the runtime reports the error)
// and the old set stays in force. The pipeline picks up a new set between two batches, so no line is
// dropped or matched against half a set.
//
// With `crs:` enabled (the default) it also loads the OWASP Core Rule Set (crs/detector.hpp). CRS that
// cannot be loaded (package missing, broken file) does not fail startup: vigil runs on its own rules
// and the component reports itself degraded, naming the path, the cause and the package, until a
// SIGHUP loads it. A reload rebuilds CRS too; a broken new set keeps the old one.
//
//   rules:
//     path: rules/default.yaml           # vigil's own signatures (default: the bundled set, paths/bundled_files.hpp)
//     dir: /etc/vigil/rules.d            # extra YAML rule files, each one can be turned off (rules/rule_sources.hpp)
//     exclusions: ["rule=942100 path=/search arg=q", "tag=attack-xss path=/cms/"]   (crs/exclusions.hpp)
//     allow_clients: [10.0.0.0/8]        # never alerted on
//     crs: {enabled: true, path: /usr/share/modsecurity-crs/rules, setup: /etc/modsecurity/crs/crs-setup.conf,
//           paranoia_level: 1, anomaly_threshold: 5, logged_headers: [User-Agent, Referer]}
//
// crs.logged_headers defaults to the headers pipeline.format records (crs::headers_logged_by): CRS
// rules about a header the log does not record are skipped, so a format without $http_referer does
// not make "Referer missing" fire on every line.
//
// Thread-safety: engine(), crs() and last_reload() from any thread between start() and stop().
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "lifespan/config/config.hpp"
#include "lifespan/core/component.hpp"
#include "crs/detector.hpp"
#include "parse/client_address.hpp"
#include "paths/bundled_files.hpp"
#include "rules/rule_engine.hpp"

namespace vigil::service {

class rules_component : public lifespan::component {
 public:
  struct options {
    rule_sources sources{paths::bundled().rules().string()};
    crs::crs_options crs;  // with the exclusions compiled into load.extra_directives
    std::vector<std::string> allow_clients;
    std::optional<std::vector<std::string>> logged_headers;  // crs.logged_headers; unset: the log format's
  };
  // Compiles the file once, so that a bad rule is a configuration error found before anything starts.
  static options read_options(lifespan::config::section& section);

  // `log_format` is pipeline.format, read before the service is assembled (service::read_layout).
  explicit rules_component(options o, std::string log_format = "combined");

  void start(lifespan::context& ctx) override;
  bool reload(lifespan::config::section& section) override;
  std::optional<lifespan::health_report> check_health(std::stop_token) override;

  rule_engine& engine() { return *engine_; }
  // The CRS set in force; null while CRS is disabled or could not be loaded. Compare pointers to
  // notice a reload.
  std::shared_ptr<const crs::crs_rules> crs() const;
  // Clients (CIDRs) never alerted on; empty set when none. Replaced whole on reload.
  std::shared_ptr<const address_set> allowed_clients() const;
  reload_result last_reload() const;

 private:
  // Sets options_.crs.load.logged_headers from the configured list or else from the log format.
  options resolved(options o) const;

  std::string log_format_;
  options options_;
  std::unique_ptr<rule_engine> engine_;
  mutable std::mutex mutex_;
  reload_result last_;
  std::shared_ptr<const crs::crs_rules> crs_;  // guarded by mutex_
  std::shared_ptr<const address_set> allowed_;  // guarded by mutex_
  std::string crs_error_;                      // why CRS is not in force; guarded by mutex_
};

}  // namespace vigil::service
