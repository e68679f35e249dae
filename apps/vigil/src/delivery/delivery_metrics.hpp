#pragma once
// Delivery metrics on the service's registry (GET /metrics), read from the relays at scrape time:
//   vigil_delivery_delivered_total{sink}  vigil_delivery_skipped_total{sink}
//   vigil_delivery_failures_total{sink}   vigil_delivery_backlog{sink}   vigil_delivery_failing{sink}
// One collector per service gathers every sink's relay, so each family appears once however many sinks
// run. Relays are held weakly: a stopped sink drops out. Thread-safety: track() and the scrape from any
// thread.
#include <memory>

#include "delivery/relay.hpp"

namespace lifespan {
class service;
}

namespace vigil::delivery {

// Adds `r` to `svc`'s delivery metrics (creating and registering the collector on first use).
void track(lifespan::service& svc, const std::shared_ptr<relay>& r);

}  // namespace vigil::delivery
