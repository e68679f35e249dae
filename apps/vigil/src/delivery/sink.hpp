#pragma once
// The alert sink interface: where stored alerts are delivered (a Redis stream, a webhook, ...).
//
// A sink only talks to its destination. Everything else is the relay's (delivery/relay.hpp): it reads
// the sink's backlog from the database outbox (rows written in the same transaction as the alerts),
// calls deliver() with batches in outbox order, removes what was delivered, retries with backoff,
// bounds the backlog and keeps the counters shown in /api/status. Delivery is at-least-once: a crash
// between deliver() returning and the outbox rows being removed delivers those alerts again, so
// receivers de-duplicate on the alert key when they care.
//
// Writing a sink (a webhook, say):
//   class webhook_sink : public vigil::delivery::alert_sink {
//     std::string name() const override { return "webhook:ops"; }     // the outbox key: stable!
//     delivery_result deliver(std::span<const alert> batch, std::stop_token stop) override;
//   };
// then derive a background component from delivery/sink_component.hpp that builds it (as
// redis_delivery.hpp does); the component owns the relay, its health and its /api/status entry.
//
// Threading: the relay calls every method from its one thread, never concurrently, so a sink may keep
// a connection without locking. deliver() must return within the sink's own timeouts (a hung
// destination must not hold the relay forever) and should give up early when `stop` is signalled.
#include <cstddef>
#include <span>
#include <stop_token>
#include <string>

#include "service/alert.hpp"

namespace vigil::delivery {

using service::alert;

// What became of one deliver() call. The first `delivered` alerts of the batch reached the
// destination (they are removed from the backlog); the rest did not.
struct delivery_result {
  std::size_t delivered = 0;
  std::string error;        // why not everything was delivered (no passwords: it is logged and served)
  bool permanent = false;   // alert [delivered] can never be delivered (rejected as malformed, say):
                            // the relay skips it (counted, logged) instead of retrying it forever

  static delivery_result all(std::size_t n) { return {n, {}, false}; }
  static delivery_result failed(std::size_t done, std::string why) { return {done, std::move(why), false}; }
  static delivery_result rejected(std::size_t done, std::string why) { return {done, std::move(why), true}; }
};

class alert_sink {
 public:
  virtual ~alert_sink() = default;

  // The sink's name: its key in the outbox (so it must not change between runs or replicas) and in
  // logs and /api/status. Lower case, no spaces: "redis", "webhook:ops".
  virtual std::string name() const = 0;

  // Where alerts go, for messages ("redis 127.0.0.1:6379 stream vigil:alerts"; never a password).
  virtual std::string describe() const { return name(); }

  // Delivers `batch` (non-empty, oldest first) in order. Never throws for destination failures: it
  // reports them in the result (an exception is treated as a failure of the whole batch).
  virtual delivery_result deliver(std::span<const alert> batch, std::stop_token stop) = 0;

  // Called while the backlog is empty, every check interval: can the destination be reached now?
  // Empty when it can, else why not (so the component turns degraded before the next alert fails).
  virtual std::string probe(std::stop_token stop) {
    (void)stop;
    return {};
  }
};

}  // namespace vigil::delivery
