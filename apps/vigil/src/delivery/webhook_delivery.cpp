#include "delivery/webhook_delivery.hpp"

#include <algorithm>
#include <cctype>

#include "lifespan/config/duration.hpp"
#include "lifespan/http_client/client.hpp"

namespace vigil::delivery {
namespace {

bool is_token(std::string_view s) {
  static constexpr std::string_view extra = "!#$%&'*+-.^_`|~";
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || extra.find(c) != std::string_view::npos;
  });
}
bool is_clean_value(std::string_view s) { return s.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos; }
bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return std::tolower(x) == std::tolower(y); });
}

// VIGIL__WEBHOOKS__SIEM__URL for section "webhooks.siem" and key "url".
std::string environment_name(std::string_view section, std::string_view key) {
  std::string out = "VIGIL__";
  for (char c : section) out += c == '.' ? std::string("__") : std::string(1, static_cast<char>(std::toupper(c)));
  out += "__";
  for (char c : key) out += static_cast<char>(std::toupper(c));
  return out;
}

}  // namespace

webhook_delivery::options webhook_delivery::read_options(lifespan::config::section& s) {
  options o;
  auto& w = o.webhook;
  // The component reads the section named after it: webhooks.<endpoint> for a named endpoint (on
  // unless `enabled: false`), else the single-URL `webhook` section (off unless `enabled: true`).
  constexpr std::string_view prefix = "webhooks.";
  const bool named = s.path().starts_with(prefix);
  if (named) w.endpoint = s.path().substr(prefix.size());
  o.enabled = s.get<bool>("enabled", named);
  // Never repeat the URL or a header value in a message: either may carry a secret.
  w.url = s.get<std::string>("url", w.url);
  if (w.url.empty()) {
    if (o.enabled)
      s.report("url", "is required when the webhook is enabled",
               "for example https://hooks.example/vigil, or " + environment_name(s.path(), "url"));
  } else if (w.url.rfind("http://", 0) != 0 && w.url.rfind("https://", 0) != 0) {
    s.report("url", "must start with http:// or https://", "for example https://hooks.example/vigil");
  } else if (!is_clean_value(w.url) || w.url.find(' ') != std::string::npos) {
    s.report("url", "contains a space, CR, LF or NUL", "percent-encode it");
  }
  bool has_authorization = false;
  if (s.has("headers")) {
    auto h = s.child("headers");
    for (const auto& name : h.keys()) {
      auto value = h.get<std::string>(name, "");
      if (!is_token(name)) h.report(name, "is not a valid HTTP header name", "letters, digits and -, for example X-Api-Key");
      else if (!is_clean_value(value)) h.report(name, "its value contains CR, LF or NUL", "give the value on one line");
      else w.headers.emplace_back(name, std::move(value));
      has_authorization = has_authorization || iequals(name, "authorization");
    }
  }
  const auto token = s.get<std::string>("bearer_token", "");
  if (!token.empty()) {
    if (has_authorization) s.report("bearer_token", "conflicts with headers.Authorization", "set one of them");
    else if (!is_clean_value(token) || token.find(' ') != std::string::npos)
      s.report("bearer_token", "contains a space, CR, LF or NUL", "give the token alone, without 'Bearer '");
    else w.headers.emplace_back("Authorization", "Bearer " + token);
  }
  for (auto [key, value] : {std::pair{"connect_timeout", &w.connect_timeout}, std::pair{"timeout", &w.timeout}}) {
    *value = s.get<lifespan::duration>(key, *value);
    if (*value <= lifespan::duration::zero())
      s.report(key, "must be a positive duration", "for example " + lifespan::config::format_duration(std::chrono::seconds(5)));
  }
  w.max_attempts = s.get<int>("max_attempts", w.max_attempts);
  if (w.max_attempts < 1 || w.max_attempts > 10) s.report("max_attempts", "must be from 1 to 10", "1 leaves the retries to the relay");
  o.relay = relay_options::read(s);
  if (!s.has("batch_size")) o.relay.batch_size = 50;  // smaller POSTs than the relay's default
  w.one_per_post = o.relay.batch_size == 1;
  return o;
}

void webhook_delivery::start(lifespan::context& ctx) {
  http_ = &ctx.get<lifespan::http_client::client>();
  sink_component::start(ctx);
}

std::unique_ptr<alert_sink> webhook_delivery::make_sink() { return std::make_unique<webhook_sink>(options_.webhook, *http_); }

}  // namespace vigil::delivery
