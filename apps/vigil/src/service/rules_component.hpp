#pragma once
// The rule engine as a component (critical): the signatures file compiled into Hyperscan databases.
// An invalid file fails startup (and `vigil check-config`) naming the rule and the cause. On SIGHUP,
// reload() re-reads the file (or the newly configured path): the new set is built completely before it
// replaces the old one with one atomic store; a bad new set is rejected (the runtime reports the error)
// and the old set stays in force. The pipeline picks up a new set between two batches, so no line is
// dropped or matched against half a set.
//
// Thread-safety: engine() and last_reload() from any thread between start() and stop().
#include <memory>
#include <mutex>
#include <string>

#include "lifespan/config/config.hpp"
#include "lifespan/core/component.hpp"
#include "rules/rule_engine.hpp"

namespace vigil::service {

class rules_component : public lifespan::component {
 public:
  struct options {
    std::string path = VIGIL_DEFAULT_RULES;
  };
  // Compiles the file once, so that a bad rule is a configuration error found before anything starts.
  static options read_options(lifespan::config::section& section);

  explicit rules_component(options o) : options_(std::move(o)) {}

  void start(lifespan::context& ctx) override;
  bool reload(lifespan::config::section& section) override;

  rule_engine& engine() { return *engine_; }
  reload_result last_reload() const;

 private:
  options options_;
  std::unique_ptr<rule_engine> engine_;
  mutable std::mutex mutex_;
  reload_result last_;
};

}  // namespace vigil::service
