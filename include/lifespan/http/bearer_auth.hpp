#pragma once
// Bearer-token authentication (RFC 6750) as router guards, configured in a component's section.
//
//   auto auth = lifespan::http::add_bearer_auth(svc);              // component "auth", section auth:
//   lifespan::http::router routes;
//   routes.get("/api/alerts", list).needs<alert_store>("alerts");
//   routes.guard_routes(lifespan::http::under("/api/"), auth.api());
//   routes.guard_builtins(auth.probes());                        // /livez, /metrics, /debug/...
//   lifespan::http::add_server(svc, std::move(routes)).depends_on("auth");
//
// Configuration (section `auth`, every key optional; <APP>__AUTH__TOKEN=... works as for any key):
//   token / token_file                the API token, given inline or as a file holding it (trailing
//                                     whitespace dropped). Unset: api() guards let everything through.
//   probes_token / probes_token_file  the built-in endpoints' token. Unset: they stay open. Where it is
//                                     set, the API token is accepted as well (an operator's token
//                                     opens everything).
// Only SHA-256 digests of the tokens are kept. A presented token is hashed and compared to them with
// CRYPTO_memcmp, so neither its content nor its length shows in the time taken.
//
// A refused request gets 401 with `WWW-Authenticate: Bearer realm="<service>"` and the same JSON body
// whether the token was missing, malformed or wrong, so a client learns nothing but "not allowed".
// The token is read from `Authorization: Bearer <token>`; a guard made with api(true) also reads the
// `access_token` query parameter (RFC 6750 section 2.3), for EventSource, which cannot send headers:
// use it on stream routes only, as query strings end up in proxies' logs.
//
// Lifetime and threading: the guards share the tokens with the component, which loads them in
// start() (the tokens are read and validated with the configuration, before anything starts). Until
// then every guard answers 503, probes included: so make the server depend on the component, as above
// (its start takes microseconds and cannot fail). The tokens stay loaded after stop(), so requests
// still in flight through drain are judged the same way.
// Guards are called from I/O threads; loading and checking take one mutex for a pointer copy.
#include <memory>
#include <string>

#include "lifespan/config/config.hpp"
#include "lifespan/core/component.hpp"
#include "lifespan/core/service.hpp"
#include "lifespan/http/router.hpp"

namespace lifespan::http {

namespace detail {
struct token_set;  // src/http/bearer_auth.cpp
}

class bearer_auth final : public component {
 public:
  struct options {
    std::string api_digest;     // SHA-256 of the API token, raw bytes; empty: the API is open
    std::string probes_digest;  // SHA-256 of the probes token; empty: the built-ins are open
  };
  static options read_options(config::section& section);

  bearer_auth(options o, std::shared_ptr<detail::token_set> tokens);
  void start(context& ctx) override;

 private:
  options options_;
  std::shared_ptr<detail::token_set> tokens_;
};

// What add_bearer_auth returns: makes the guards. Copyable; every copy shares the same tokens.
class bearer_guards {
 public:
  explicit bearer_guards(std::shared_ptr<detail::token_set> tokens) : tokens_(std::move(tokens)) {}
  // The API token; with `query_parameter`, `?access_token=` is accepted too (see above).
  guard api(bool query_parameter = false) const;
  // The probes token, or the API token.
  guard probes() const;

 private:
  std::shared_ptr<detail::token_set> tokens_;
};

// Registers the component (critical: an unreadable token file stops the service from starting).
bearer_guards add_bearer_auth(service& svc, std::string name = "auth");

}  // namespace lifespan::http
