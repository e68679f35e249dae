#pragma once
// GET /api/stats and GET /api/status/stream.
//
// /api/stats?window=1h&until=<epoch s>&top=10: alerts whose own time falls in [until - window, until)
// (until defaults to now, window to 24h; 1s to 366d, in s, m, h or d), counted by the database:
//   {"window": "1h", "window_seconds", "since", "until", "total",
//    "by_severity": {"low": n, "medium": n, "high": n, "critical": n},
//    "by_category": [{"category", "alerts"}...], "top_clients": [{"client", "alerts"}...],
//    "rates": {"alerts_per_second": total / window, "now": {lines_per_second, alerts_per_second,
//              seconds} (the pipeline's counters over the last seconds; null without the status feed)}}
// A bad parameter gets 400 naming it.
#include "lifespan/http/router.hpp"

namespace vigil::service {

// Registers both routes (needs: "alerts" for stats; "status_feed" for the stream, optional for stats).
void add_stats_routes(lifespan::http::router& routes);

}  // namespace vigil::service
