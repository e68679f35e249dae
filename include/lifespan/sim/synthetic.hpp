#pragma once
// Synthetic components for lifespan-sim, tests and benchmarks: their whole behaviour comes from their
// configuration section, so a startup graph can be modelled in YAML before any real code exists.
//
//   db:
//     criticality: critical      # critical | ready | background | lazy
//     requires: []               # required dependencies (names)
//     optional: []               # optional dependencies (names)
//     start: 300ms               # how long start() takes (interruptible by the stop token)
//     stop: 50ms                 # how long stop() takes
//     fail: false                # start always fails
//     fail_attempts: 0           # the first N starts fail, later ones succeed
//     hang: false                # start never finishes unless cancelled
//     hang_stop: false           # stop never finishes (to exercise stop timeouts)
//     flap: 0s                   # health alternates between ok and failed with this period (0: always ok)
#include <atomic>
#include <string>
#include <vector>

#include "lifespan/config/config.hpp"
#include "lifespan/core/component.hpp"
#include "lifespan/core/service.hpp"

namespace lifespan::sim {

struct behaviour {
  lifespan::criticality criticality = lifespan::criticality::critical;
  std::vector<std::string> required;
  std::vector<std::string> optional;
  duration start{};
  duration stop{};
  bool fail = false;
  int fail_attempts = 0;
  bool hang = false;
  bool hang_stop = false;
  duration flap{};
};

// Reads a synthetic component's section; problems are reported on the section.
behaviour read_behaviour(config::section& section);

class synthetic final : public component {
 public:
  using options = behaviour;
  static options read_options(config::section& section) { return read_behaviour(section); }

  // `attempts` counts starts across the instances of one registration (retries build new instances).
  synthetic(behaviour b, std::shared_ptr<std::atomic<int>> attempts);

  void start(context& ctx) override;
  void stop(time_point deadline) override;
  std::optional<health_report> check_health(std::stop_token cancel) override;
  bool reload(config::section& section) override;

 private:
  behaviour behaviour_;
  std::shared_ptr<std::atomic<int>> attempts_;
  std::atomic<std::int64_t> flap_ns_;
  time_point up_since_{};
};

// Registers one synthetic component per section of `doc` that is not a runtime section
// (startup, shutdown, logging), with the criticality and dependencies the section declares.
// Problems in those sections are reported when the service validates the same document.
void register_components(service& svc, const config::document& doc);

}  // namespace lifespan::sim
