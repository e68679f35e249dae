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
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
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

// Faults injected at run time (lifespan-sim --serve: POST /fail/NAME, POST /recover/NAME). A component
// with its fault set reports failed health at its next check (so the runtime shows it degraded), and
// lifespan-sim's routes that need it answer 503. Names are fixed by register_components(); after that,
// set() and failed() are lock-free and safe from any thread.
class faults {
 public:
  std::shared_ptr<std::atomic<bool>> add(const std::string& name);  // registration only
  bool known(std::string_view name) const;
  bool failed(std::string_view name) const;
  void set(std::string_view name, bool failed);  // unknown names are ignored (check known() first)

 private:
  std::unordered_map<std::string, std::shared_ptr<std::atomic<bool>>> flags_;
};

// Reads a synthetic component's section; problems are reported on the section.
behaviour read_behaviour(config::section& section);

class synthetic final : public component {
 public:
  using options = behaviour;
  static options read_options(config::section& section) { return read_behaviour(section); }

  // `attempts` counts starts across the instances of one registration (retries build new instances).
  synthetic(behaviour b, std::shared_ptr<std::atomic<int>> attempts, std::shared_ptr<std::atomic<bool>> fault = nullptr);

  void start(context& ctx) override;
  void stop(time_point deadline) override;
  std::optional<health_report> check_health(std::stop_token cancel) override;
  bool reload(config::section& section) override;

 private:
  behaviour behaviour_;
  std::shared_ptr<std::atomic<int>> attempts_;
  std::shared_ptr<std::atomic<bool>> fault_;  // may be null
  std::atomic<std::int64_t> flap_ns_;
  time_point up_since_{};
};

// Registers one synthetic component per section of `doc` that is not a runtime section
// (startup, shutdown, logging), with the criticality and dependencies the section declares.
// Problems in those sections are reported when the service validates the same document.
// With `f`: each component's fault switch is added to it, and its health is checked every 250 ms
// (unless its section sets health_interval). Sections named in `skip` are not components (lifespan-sim
// --serve skips "http", the server's section).
void register_components(service& svc, const config::document& doc, faults* f = nullptr,
                         const std::vector<std::string>& skip = {});

}  // namespace lifespan::sim
