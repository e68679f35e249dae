#pragma once
// The `redis` component (background, optional): alerts delivered to a Redis stream through the relay
// (redis_sink.hpp, relay.hpp). Off unless its section sets `enabled: true`.
//
// Section `redis`:
//   enabled          false
//   url              redis://[[user]:password@]host[:port][/db]; when set it wins over host/port/db
//                    (give it through VIGIL__REDIS__URL to keep the password out of files)
//   host, port, db   127.0.0.1, 6379, 0
//   stream           vigil:alerts
//   maxlen           100000 (XADD MAXLEN ~)
//   connect_timeout  2s;  command_timeout 5s
//   batch_size, max_backlog, poll_interval, retry_initial, retry_max, probe_interval, lease: the relay's
//
// While Redis is unreachable the component is degraded (naming Redis, the cause and the backlog), the
// alerts keep being stored and queued, and the backlog is delivered when Redis is back.
#include "delivery/redis_sink.hpp"
#include "delivery/sink_component.hpp"
#include "lifespan/config/config.hpp"

namespace vigil::delivery {

class redis_delivery : public sink_component {
 public:
  struct options {
    bool enabled = false;
    redis_sink::options redis;
    relay_options relay;
  };
  static options read_options(lifespan::config::section& section);
  explicit redis_delivery(options o, lifespan::service* svc = nullptr)
      : sink_component(o.enabled, "redis", o.relay, svc), options_(std::move(o)) {}

 protected:
  std::unique_ptr<alert_sink> make_sink() override { return std::make_unique<redis_sink>(options_.redis); }

 private:
  options options_;
};

}  // namespace vigil::delivery
