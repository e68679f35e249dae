#pragma once
// Several webhook endpoints, each delivered on its own: the `webhooks` section names them, and every
// endpoint is a component of its own (webhook_delivery, named webhooks.<name>) with its own outbox
// key (webhook:<name>), relay, lease, bounded backlog, health, /api/status entry and metrics
// (sink="webhook:<name>"). A dead or slow endpoint therefore holds back neither another endpoint nor
// the pipeline: the pipeline only inserts outbox rows, and each relay waits for its own endpoint.
//
//   webhooks:
//     siem:                            # the endpoint's name
//       url: https://siem.example/in   # plus every key of the single-URL `webhook` section but `enabled`
//       batch_size: 100                # is on unless `enabled: false`
//     pager:
//       url: https://pager.example/hook
//       batch_size: 1
//
// Named sections rather than a list, so that every key can be overridden on its own, a secret
// included: VIGIL__WEBHOOKS__SIEM__BEARER_TOKEN=..., --set webhooks.pager.timeout=2s.
//
// Names: lower-case letters, digits and '_', starting with a letter, at most 32 characters (a name is
// a component name, an outbox key, a metric label value and part of environment variable names).
// They are unique because they are mapping keys (the YAML loader reports a duplicate with both lines).
// The `webhooks` section's own runtime keys (stop_timeout, start_timeout, ...) are not endpoints.
//
// Lifetime of the endpoint set: the names are read before the service is assembled
// (service::read_layout), since components cannot be added once the graph is validated. Adding or
// removing an endpoint takes a restart (a reload says so). At start, the `webhooks` component drops
// the outbox registration and backlog of every "webhook:<name>" sink no longer configured (logged with
// the number of alerts dropped), as `enabled: false` does for a configured one, so that a removed
// endpoint does not keep queueing alerts nobody delivers. Replicas sharing a database must therefore
// agree on the endpoints (roll a change out to all of them).
//
// The endpoints share the pooled http_client: each relay holds at most one POST in flight (a hung one
// until its `timeout`), and the client bounds connections per host, so one endpoint cannot take them
// all; keep http_client.max_connections above the number of endpoints, or hung endpoints could hold
// every connection.
//
// The single-URL `webhook` section (outbox key "webhook", component `webhook`) keeps working
// unchanged; it is simply one more endpoint.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lifespan/config/config.hpp"
#include "lifespan/core/component.hpp"

namespace vigil::delivery {

// Why `name` cannot name an endpoint; nullopt when it can.
std::optional<std::string> endpoint_name_problem(std::string_view name);

// The endpoints configured in `webhooks` (the section of that name), in document order: the valid
// names whose value is a section. Reports nothing (the `webhooks` component does, when the service
// validates its configuration).
std::vector<std::string> configured_endpoints(lifespan::config::section webhooks);

// The `webhooks` component (background): validates the endpoint names and cleans up after removed
// endpoints. It depends on the alert store and starts after every endpoint's component is registered.
class webhook_endpoints : public lifespan::component {
 public:
  struct options {
    std::vector<std::string> names;  // valid endpoints, in document order
  };
  // Reports invalid names and endpoints that are not sections, naming the key and the fix.
  static options read_options(lifespan::config::section& section);

  // `assembled`: the endpoints that got a component (from service::read_layout).
  webhook_endpoints(options o, std::vector<std::string> assembled)
      : options_(std::move(o)), assembled_(std::move(assembled)) {}

  void start(lifespan::context& ctx) override;  // throws when the configuration names another set
  bool reload(lifespan::config::section& section) override;  // false when the set of endpoints changed

 private:
  options options_;
  std::vector<std::string> assembled_;
};

}  // namespace vigil::delivery
