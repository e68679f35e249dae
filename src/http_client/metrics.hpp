#pragma once
// The client's counters as lifespan_http_client_* Prometheus families, read at scrape time.
#include <memory>

#include <prometheus/collectable.h>

#include "engine.hpp"

namespace lifespan::http_client::detail {

// Keeps the engine alive while a scrape reads it (the client may be destroyed meanwhile).
std::shared_ptr<const prometheus::Collectable> make_collector(std::shared_ptr<const client::engine> engine);

}  // namespace lifespan::http_client::detail
