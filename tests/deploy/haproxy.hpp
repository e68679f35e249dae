#pragma once
// A real HAProxy (Debian's haproxy) in front of loopback replicas, for deployment tests. The config is
// generated into the test's temp dir; HAProxy runs in the foreground (-db) as the current user (root in
// CI is fine: no `user`/`chroot` directives) and is killed when the object is destroyed.
//
// Health checks are the ones a production config would use: `option httpchk GET /readyz`, a server is UP
// after `rise` consecutive 200s and DOWN after `fall` failures, checked every `inter`. No retries and no
// redispatch: a request routed to a replica that cannot serve it fails visibly, so a zero-failure roll
// proves the replica's own lifecycle (readiness delay, drain) and nothing in the balancer hides a gap.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sim/process.hpp"

namespace lifespan::test {

// A loopback TCP port that was free a moment ago (bound to port 0, then closed).
std::uint16_t free_port();

// One row of HAProxy's CSV statistics for a backend server.
struct server_stats {
  std::string status;       // "UP", "DOWN", "UP 1/2", "DOWN 1/2", "MAINT", ...
  long sessions_total = 0;  // stot: requests/sessions sent to it
  long connection_errors = 0;  // econ
  long response_errors = 0;    // eresp
  long retries = 0;            // wretr
  long redispatches = 0;       // wredis
};

class haproxy {
 public:
  struct options {
    std::chrono::milliseconds inter{100};
    int fall = 2;
    int rise = 2;
  };
  // Starts HAProxy balancing `backend_ports` (servers named r0, r1, ...); throws when it does not start.
  haproxy(const std::vector<std::uint16_t>& backend_ports, options o);
  haproxy(const std::vector<std::uint16_t>& backend_ports) : haproxy(backend_ports, options{}) {}
  ~haproxy();

  std::uint16_t port() const { return port_; }  // the frontend clients use
  const std::string& config() const { return config_; }
  // The backend servers' statistics by name, from the stats frontend; throws when unreachable.
  std::map<std::string, server_stats> stats() const;
  // Polls the statistics until server `name` reports exactly `status`; false on timeout.
  bool await_status(const std::string& name, const std::string& status,
                    std::chrono::milliseconds timeout = std::chrono::seconds(20)) const;
  std::string output();  // what HAProxy printed so far (warnings, alerts)

 private:
  std::uint16_t port_ = 0, stats_port_ = 0;
  std::string config_;
  std::unique_ptr<process> process_;
};

}  // namespace lifespan::test
