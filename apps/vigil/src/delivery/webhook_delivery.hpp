#pragma once
// The `webhook` component (background, optional): alerts POSTed as JSON to a URL through the relay
// (relay.hpp) and the pooled `http_client` component (webhook_sink.hpp). Off unless its section sets
// `enabled: true`. Its outbox key is "webhook".
//
// Section `webhook`:
//   enabled          false
//   url              http(s)://host[:port]/path (required when enabled; VIGIL__WEBHOOK__URL works).
//                    Messages show it without user, password, query or fragment.
//   headers          {name: value, ...} added to every POST (values never logged)
//   bearer_token     sends Authorization: Bearer <token> (VIGIL__WEBHOOK__BEARER_TOKEN keeps it out of files)
//   connect_timeout  2s;  timeout 5s (per attempt: a hung receiver holds delivery at most this long)
//   max_attempts     1 (the client's quick retries per POST; the relay retries beyond them with backoff)
//   batch_size       alerts per POST: 1 sends one JSON object per POST, more a JSON array (default 50)
//   max_backlog, poll_interval, retry_initial, retry_max, probe_interval, lease: the relay's
//
// 2xx delivers; 4xx other than 408/429 skips the refused alerts for good (counted as `skipped`);
// anything else keeps them in the backlog and retries, degraded meanwhile (see webhook_sink.hpp).
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
      : sink_component(o.enabled, "webhook", o.relay, svc), options_(std::move(o)) {}

  void start(lifespan::context& ctx) override;  // requires the alert store and the http_client

 protected:
  std::unique_ptr<alert_sink> make_sink() override;

 private:
  options options_;
  lifespan::http_client::client* http_ = nullptr;
};

}  // namespace vigil::delivery
