#pragma once
// A webhook endpoint's component (background, optional): alerts POSTed as JSON to one URL through the
// relay (relay.hpp) and the pooled `http_client` component (webhook_sink.hpp). It comes in two forms,
// told apart by the section it reads (the one named after the component):
//   webhooks.<name>  one component per named endpoint (webhook_endpoints.hpp), on unless
//                    `enabled: false`; outbox key and metric label "webhook:<name>"
//   webhook          the single-URL form of earlier versions, kept working: off unless
//                    `enabled: true`; outbox key "webhook"
// Each has its own relay, lease, backlog and health, so endpoints never wait for each other.
//
// Keys of either section:
//   enabled          see above
//   url              http(s)://host[:port]/path (required when enabled; VIGIL__WEBHOOKS__<NAME>__URL or
//                    VIGIL__WEBHOOK__URL work). Messages show it without user, password, query or fragment.
//   headers          {name: value, ...} added to every POST (values never logged)
//   bearer_token     sends Authorization: Bearer <token> (VIGIL__WEBHOOKS__<NAME>__BEARER_TOKEN keeps it
//                    out of files)
//   connect_timeout  2s;  timeout 5s (per attempt: a hung receiver holds its endpoint at most this long)
//   max_attempts     1 (the client's quick retries per POST; the relay retries beyond them with backoff)
//   batch_size       alerts per POST: 1 sends one JSON object per POST, more a JSON array (default 50)
//   max_backlog, poll_interval, retry_initial, retry_max, probe_interval, lease: the relay's, per endpoint
//
// 2xx delivers; 4xx other than 408/429 skips the refused alerts for good (counted as `skipped`);
// anything else keeps them in the backlog and retries, degraded meanwhile (see webhook_sink.hpp).
// Delivery is at-least-once per endpoint: a POST that timed out on this side may still have been
// processed by the receiver and is sent again, so receivers de-duplicate on the alert's `key`.
#include "delivery/sink_component.hpp"
#include "delivery/webhook_sink.hpp"
#include "lifespan/config/config.hpp"

namespace vigil::delivery {

class webhook_delivery : public sink_component {
 public:
  struct options {
    bool enabled = false;
    webhook_sink::options webhook;
    relay_options relay;
  };
  static options read_options(lifespan::config::section& section);
  explicit webhook_delivery(options o, lifespan::service* svc = nullptr)
      : sink_component(o.enabled, webhook_sink::sink_name(o.webhook.endpoint), o.relay, svc), options_(std::move(o)) {}

  void start(lifespan::context& ctx) override;  // requires the alert store and the http_client
  // No reload: the runtime reports a changed section as taking a restart, an unchanged one not at all.

 protected:
  std::unique_ptr<alert_sink> make_sink() override;

 private:
  options options_;
  lifespan::http_client::client* http_ = nullptr;
};

}  // namespace vigil::delivery
