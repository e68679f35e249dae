#pragma once
// The clients' counters as lifespan_http_client_* Prometheus families, read at scrape time.
#include <memory>

#include "engine.hpp"

namespace lifespan {
class service;
}

namespace lifespan::http_client::detail {

// Adds `engine` to the service's one http_client collector (created on first use and registered on
// the service's metrics registry), so that several clients share each family, one series per client.
// The collector holds engines weakly and keeps one alive only while a scrape reads it.
void publish(service& svc, const std::shared_ptr<const client::engine>& engine);

}  // namespace lifespan::http_client::detail
