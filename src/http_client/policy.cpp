// Retry classification, backoff, the retry budget and URL redaction (see policy.hpp).
#include "policy.hpp"

#include <algorithm>
#include <cctype>
#include <memory>

#include "lifespan/config/duration.hpp"

namespace lifespan::http_client::detail {

bool retryable(CURLcode code) noexcept {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_AGAIN:
    case CURLE_WEIRD_SERVER_REPLY:
      return true;
    default:
      return false;
  }
}

bool retryable_status(long status) noexcept { return status >= 500 || status == 408 || status == 429; }

duration backoff(int next_attempt, duration initial, duration max, double unit, duration retry_after,
                 duration retry_after_max) noexcept {
  duration base = initial;
  for (int i = 2; i < next_attempt && base < max; ++i) base *= 2;
  base = std::min(base, max);
  const auto half = base / 2;
  const auto jitter = std::chrono::duration_cast<duration>(
      std::chrono::duration<double, duration::period>(static_cast<double>((base - half).count()) *
                                                      std::clamp(unit, 0.0, 1.0)));
  auto wait = half + jitter;
  if (retry_after > duration::zero()) wait = std::max(wait, std::min(retry_after, retry_after_max));
  return wait;
}

bool budget_allows(std::size_t retrying, std::size_t held, double percent, int minimum) noexcept {
  const auto by_share = static_cast<std::size_t>(static_cast<double>(held) * percent / 100.0);
  const auto allowed = std::max(by_share, static_cast<std::size_t>(std::max(minimum, 0)));
  return retrying < allowed;
}

namespace {
struct url_deleter {
  void operator()(CURLU* u) const noexcept { curl_url_cleanup(u); }
};
struct string_deleter {
  void operator()(char* s) const noexcept { curl_free(s); }
};
using owned_string = std::unique_ptr<char, string_deleter>;
}  // namespace

std::optional<std::string> display_url(const std::string& url, std::string& why) {
  std::unique_ptr<CURLU, url_deleter> handle(curl_url());
  if (!handle) {
    why = "out of memory";
    return std::nullopt;
  }
  if (const auto rc = curl_url_set(handle.get(), CURLUPART_URL, url.c_str(), 0); rc != CURLUE_OK) {
    why = std::string("malformed URL (") + curl_url_strerror(rc) + ")";
    return std::nullopt;
  }
  char* raw = nullptr;
  if (curl_url_get(handle.get(), CURLUPART_SCHEME, &raw, 0) != CURLUE_OK) {
    why = "URL without a scheme";
    return std::nullopt;
  }
  const std::string scheme = owned_string(raw).get();
  if (scheme != "http" && scheme != "https") {
    why = "unsupported scheme '" + scheme + "' (use http:// or https://)";
    return std::nullopt;
  }
  curl_url_set(handle.get(), CURLUPART_USER, nullptr, 0);
  curl_url_set(handle.get(), CURLUPART_PASSWORD, nullptr, 0);
  curl_url_set(handle.get(), CURLUPART_OPTIONS, nullptr, 0);
  curl_url_set(handle.get(), CURLUPART_QUERY, nullptr, 0);
  curl_url_set(handle.get(), CURLUPART_FRAGMENT, nullptr, 0);
  raw = nullptr;
  if (curl_url_get(handle.get(), CURLUPART_URL, &raw, 0) != CURLUE_OK) {
    why = "malformed URL";
    return std::nullopt;
  }
  return std::string(owned_string(raw).get());
}

namespace {
bool token(std::string_view s) {  // RFC 9110 token
  constexpr std::string_view extra = "!#$%&'*+-.^_`|~";
  return !s.empty() && std::all_of(s.begin(), s.end(), [&](unsigned char c) {
    return std::isalnum(c) || extra.find(static_cast<char>(c)) != std::string_view::npos;
  });
}
}  // namespace

std::string header_problem(const request& r) {
  if (!token(r.method)) return "the method is not an HTTP token";
  for (const auto& [name, value] : r.headers) {
    if (!token(name)) return "header name '" + name + "' is not an HTTP token";
    if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos)
      return "header '" + name + "' has a line break or NUL in its value";
  }
  return {};
}

std::string describe(duration d) {
  return config::format_duration(std::chrono::duration_cast<config::duration>(d));
}

}  // namespace lifespan::http_client::detail
