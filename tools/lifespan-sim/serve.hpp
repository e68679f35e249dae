#pragma once
// lifespan-sim --serve: the synthetic graph behind the real HTTP server (component "http", section
// "http:" of the same YAML), with routes that let a test or a person drive it from outside:
//
//   GET  /work?ms=N&needs=COMPONENT   sleeps N ms (0..60000, interruptible by the drain deadline) in a
//                                     handler that requires COMPONENT: 503 naming it while it is not
//                                     usable or has a fault injected; 404 for an unknown component
//   POST /fail/{component}            injects a fault: its next health check fails (degraded) and /work
//                                     requiring it answers 503
//   POST /recover/{component}         clears the fault
#include "lifespan/core/service.hpp"
#include "lifespan/http/router.hpp"
#include "lifespan/sim/synthetic.hpp"

namespace lifespan::sim {

// `svc` and `f` must outlive the routes (they live in main()).
http::router serving_routes(service& svc, faults& f);

}  // namespace lifespan::sim
