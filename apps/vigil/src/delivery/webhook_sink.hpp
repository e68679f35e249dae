#pragma once
// The webhook sink: alerts POSTed as JSON to one URL (one endpoint) through the pooled HTTP client
// component (lifespan/http_client/client.hpp), which keeps the connections alive and bounds every
// attempt. Each endpoint has its own sink, relay and outbox key, so endpoints never wait for each other.
//
// Body: with batch_size 1, one alert object per POST (the alert JSON served by /api/alerts, with its
// `key`); otherwise a JSON array of such objects, oldest first, even when the batch holds one alert,
// so a receiver sees one shape. Content-Type application/json; the configured headers and
// `Authorization: Bearer <token>` are added to every POST.
//
// Outcomes of one POST:
//   2xx                          every alert of the POST is delivered
//   4xx other than 408 and 429   rejected, permanently: the alert is skipped (counted in /api/status as
//                                `skipped`, logged as a warning) and never retried. A rejected batch is
//                                resent alert by alert (arrays of one), so only the alerts the receiver
//                                refuses on their own are skipped. NB: a misconfigured receiver (401, 404)
//                                therefore skips alerts too; watch `skipped`.
//   5xx, 408, 429, 3xx, timeout, connection errors
//                                failed: nothing more is delivered from this batch; the relay keeps the
//                                backlog and retries with backoff (the component is degraded meanwhile).
//
// Waiting: deliver() waits for the client's answer at most (timeout + backoff_max) * max_attempts + 1 s
// and gives up at once when `stop` is signalled (the request then ends in the client on its own).
//
// Secrets: messages name the URL without user, password, query or fragment (describe()) and never a
// header value; the client's errors are redacted the same way.
//
// Threading: the relay's thread only (see sink.hpp). The client must outlive the sink (the component
// depends on it, so it stops later).
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "delivery/sink.hpp"
#include "lifespan/http_client/request.hpp"

namespace lifespan::http_client {
class client;
}

namespace vigil::delivery {

// "http://host:port/path" of `url` without user:password@, query and fragment (for messages).
std::string redacted_url(std::string_view url);

class webhook_sink : public alert_sink {
 public:
  struct options {
    // The endpoint's name (webhooks.<endpoint> in the configuration): the outbox key is
    // "webhook:<endpoint>". Empty for the single-URL `webhook` section, whose key is "webhook".
    std::string endpoint;
    std::string url;
    lifespan::http_client::header_list headers;  // Authorization: Bearer already added when a token is set
    bool one_per_post = false;                   // batch_size 1: an object, not an array
    lifespan::http_client::duration connect_timeout = std::chrono::seconds(2);
    lifespan::http_client::duration timeout = std::chrono::seconds(5);  // per attempt
    int max_attempts = 1;  // client-side attempts per POST; the relay retries beyond them with backoff
  };
  webhook_sink(options o, lifespan::http_client::client& http) : options_(std::move(o)), http_(http) {}

  std::string name() const override { return sink_name(options_.endpoint); }
  // "webhook siem POST https://siem.example/in" (the endpoint named; the URL redacted).
  std::string describe() const override;
  // "webhook:<endpoint>", or "webhook" for the single-URL section: the outbox key and metric label.
  static std::string sink_name(std::string_view endpoint);
  delivery_result deliver(std::span<const alert> batch, std::stop_token stop) override;

 private:
  enum class verdict { ok, rejected, failed };
  struct posted {
    verdict v;
    std::string error;
  };
  posted post(std::span<const alert> alerts, std::stop_token stop);
  std::string body_of(std::span<const alert> alerts) const;

  options options_;
  lifespan::http_client::client& http_;
};

}  // namespace vigil::delivery
