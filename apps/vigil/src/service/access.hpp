#pragma once
// Which of vigil's endpoints need which bearer token (lifespan/http/bearer_auth.hpp; configured in
// the `auth:` section, open when no token is set):
//   /api/...                       the API token; the SSE routes (/api/.../stream) also accept it as
//                                  ?access_token=, since the browser's EventSource sends no headers
//   /models/... other than GET     the API token (load, unload, label, predict)
//   probes, /metrics, /debug/...   the probes token when one is set (the API token works there too)
//   /ui, /, GET /models/...        open: the dashboard's files hold nothing secret; it asks for the
//                                  token itself (/ui?token=... once, kept in sessionStorage)
#include "lifespan/http/bearer_auth.hpp"
#include "lifespan/http/router.hpp"

namespace vigil::service {

// Call once every route is in: guards apply to the routes present.
void protect(lifespan::http::router& routes, const lifespan::http::bearer_guards& auth);

}  // namespace vigil::service
