#include "delivery/webhook_endpoints.hpp"

#include <algorithm>
#include <array>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "delivery/outbox.hpp"
#include "service/alert_store.hpp"

namespace vigil::delivery {
namespace {

constexpr std::size_t max_name_length = 32;

// The keys the runtime reads in every component's section (here: the `webhooks` component's own).
bool is_runtime_key(std::string_view key) {
  static constexpr std::array<std::string_view, 6> keys = {"start_timeout",   "stop_timeout",  "health_interval",
                                                           "health_timeout",  "retry_initial", "retry_max"};
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

std::string joined(const std::vector<std::string>& names) {
  if (names.empty()) return "none";
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

constexpr std::string_view sink_prefix = "webhook:";  // of webhook_sink::sink_name(<endpoint>)

}  // namespace

std::optional<std::string> endpoint_name_problem(std::string_view name) {
  if (name.empty()) return "an endpoint name must not be empty";
  if (name.size() > max_name_length) return fmt::format("is longer than {} characters", max_name_length);
  if (!(name[0] >= 'a' && name[0] <= 'z')) return "must start with a lower-case letter";
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
      return fmt::format("contains '{}': only lower-case letters, digits and '_' are allowed", c);
  return std::nullopt;
}

std::vector<std::string> configured_endpoints(lifespan::config::section webhooks) {
  std::vector<std::string> out;
  for (const auto& key : webhooks.keys())
    if (!is_runtime_key(key) && !endpoint_name_problem(key) && webhooks.child(key).exists()) out.push_back(key);
  return out;
}

webhook_endpoints::options webhook_endpoints::read_options(lifespan::config::section& s) {
  options o;
  for (const auto& key : s.keys()) {
    if (is_runtime_key(key)) continue;  // the runtime's own (this component's stop_timeout, say)
    if (auto why = endpoint_name_problem(key)) {
      s.report(key, fmt::format("'{}' cannot name a webhook endpoint: {}", key, *why),
               "use lower-case letters, digits and '_', starting with a letter, for example siem or pager_eu");
      (void)s.has(key);  // reported once, not again as an unknown key
      continue;
    }
    auto endpoint = s.child(key);
    if (!endpoint.exists()) {
      s.report(key, "a webhook endpoint must be a section of settings named after the endpoint",
               fmt::format("one section per endpoint, for example webhooks: {{{}: {{url: https://hooks.example/vigil}}}}",
                           key == "endpoints" ? std::string("siem") : key));
      continue;
    }
    // The endpoint's own component (registered before this one) has read its section and reported
    // its unknown keys. An endpoint without a component (added since the start: a reload) must not
    // be reported key by key as unknown: reload() says that it takes a restart.
    for (const auto& k : endpoint.keys()) (void)endpoint.has(k);
    o.names.push_back(key);
  }
  return o;
}

void webhook_endpoints::start(lifespan::context& ctx) {
  if (options_.names != assembled_)
    throw std::logic_error(fmt::format(
        "the configuration names the webhook endpoints {} but the service was assembled with {}: endpoints are read"
        " from the configuration before the service is assembled (service::read_layout); restart to apply",
        joined(options_.names), joined(assembled_)));
  // Endpoints removed from the configuration: drop their registration, so that alerts stop being
  // queued for a sink nobody delivers, and their backlog.
  outbox box(ctx.get<service::alert_store>());
  for (const auto& sink : box.sinks()) {
    if (!sink.starts_with(sink_prefix)) continue;
    const auto name = sink.substr(sink_prefix.size());
    if (std::find(assembled_.begin(), assembled_.end(), name) != assembled_.end()) continue;
    const auto dropped = box.unregister_sink(sink);
    spdlog::warn("webhook endpoint '{}' is no longer configured (webhooks.{}): dropped its backlog of {} undelivered"
                 " alerts and stopped queueing alerts for it",
                 name, name, dropped);
  }
}

bool webhook_endpoints::reload(lifespan::config::section& section) {
  const auto names = configured_endpoints(section);
  if (names == assembled_) return true;  // each endpoint's own keys are its component's business
  spdlog::warn("webhooks: the configured endpoints changed from {} to {}; adding or removing an endpoint takes a"
               " restart",
               joined(assembled_), joined(names));
  return false;
}

}  // namespace vigil::delivery
