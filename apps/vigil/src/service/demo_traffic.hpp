#pragma once
// The demo traffic source: a background component that appends generated nginx traffic (browsing,
// APIs, bots, labelled attacks, behaviour episodes; see gen/traffic_gen.hpp) to a log file that the
// tailer follows, paced in real time, so that a fresh `make run` shows live detections within
// seconds. Off unless its section sets `enabled: true` (the bundled demo configuration does).
//
// Lifetime: start() opens the file (creating its directory) and starts one writer thread; stop()
// ends the thread within a line's interval. Each line is written whole with one write(2) in append
// mode, so the tailer never sees half a line.
#include <filesystem>
#include <stop_token>
#include <thread>

#include "lifespan/core/component.hpp"

namespace vigil::service {

class demo_traffic : public lifespan::component {
 public:
  struct options {
    bool enabled = false;
    std::filesystem::path path = "./var/access.log";
    double rate = 20;            // lines per second
    double attack_share = 0.08;
    std::uint64_t seed = 0;      // 0: a new seed per run
  };
  static options read_options(lifespan::config::section& section);
  explicit demo_traffic(options o) : options_(std::move(o)) {}

  void start(lifespan::context& ctx) override;
  void stop(lifespan::time_point deadline) override;

 private:
  void run(std::stop_token stop, int fd);
  options options_;
  std::jthread writer_;
};

}  // namespace vigil::service
