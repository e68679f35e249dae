#include "service/access.hpp"

namespace vigil::service {

void protect(lifespan::http::router& routes, const lifespan::http::bearer_guards& auth) {
  const auto is_stream = [](const lifespan::http::route& r) { return r.pattern().ends_with("/stream"); };
  routes.guard_routes([&](const lifespan::http::route& r) { return r.pattern().starts_with("/api/") && is_stream(r); },
                      auth.api(true));
  routes.guard_routes([&](const lifespan::http::route& r) { return r.pattern().starts_with("/api/") && !is_stream(r); },
                      auth.api());
  routes.guard_routes([](const lifespan::http::route& r) {
    return (r.pattern() == "/models" || r.pattern().starts_with("/models/")) && r.method() != lifespan::http::method::get;
  }, auth.api());
  routes.guard_builtins(auth.probes());
}

}  // namespace vigil::service
