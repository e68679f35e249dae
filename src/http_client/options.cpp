// The client's configuration section, and the small value helpers of request.hpp.
#include <algorithm>
#include <cctype>

#include "lifespan/http_client/client.hpp"

namespace lifespan::http_client {
namespace {

void check_positive(config::section& s, std::string_view key, duration d, const char* fix) {
  if (d <= duration::zero()) s.report(key, "must be longer than 0", fix);
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
           return std::tolower(x) == std::tolower(y);
         });
}

}  // namespace

client::options client::read_options(config::section& s) {
  options o;
  o.max_connections = s.get<int>("max_connections", o.max_connections);
  if (o.max_connections < 1 || o.max_connections > 10000)
    s.report("max_connections", "must be between 1 and 10000", "16 suits a service calling a few endpoints");
  o.max_host_connections = s.get<int>("max_host_connections", o.max_host_connections);
  if (o.max_host_connections < 1 || o.max_host_connections > o.max_connections)
    s.report("max_host_connections", "must be between 1 and max_connections",
             "4 keeps one slow endpoint from taking every connection");
  const auto capacity = s.get<std::int64_t>("queue_capacity", static_cast<std::int64_t>(o.queue_capacity));
  if (capacity < 1 || capacity > 1'000'000)
    s.report("queue_capacity", "must be between 1 and 1000000", "1024 bounds memory while absorbing bursts");
  else
    o.queue_capacity = static_cast<std::size_t>(capacity);
  o.connect_timeout = s.get<duration>("connect_timeout", o.connect_timeout);
  check_positive(s, "connect_timeout", o.connect_timeout, "2s suits endpoints on the same network");
  o.timeout = s.get<duration>("timeout", o.timeout);
  check_positive(s, "timeout", o.timeout, "10s bounds one attempt");
  if (o.timeout > duration::zero() && o.connect_timeout > o.timeout)
    s.report("connect_timeout", "must not be longer than timeout (which includes the connect)");
  o.max_attempts = s.get<int>("max_attempts", o.max_attempts);
  if (o.max_attempts < 1 || o.max_attempts > 100)
    s.report("max_attempts", "must be between 1 and 100", "1 turns retries off; 3 is usual");
  o.backoff_initial = s.get<duration>("backoff_initial", o.backoff_initial);
  check_positive(s, "backoff_initial", o.backoff_initial, "100ms is usual");
  o.backoff_max = s.get<duration>("backoff_max", o.backoff_max);
  if (o.backoff_max < o.backoff_initial)
    s.report("backoff_max", "must not be shorter than backoff_initial", "5s is a good ceiling");
  o.retry_after_max = s.get<duration>("retry_after_max", o.retry_after_max);
  if (o.retry_after_max < duration::zero()) s.report("retry_after_max", "must not be negative", "0 ignores Retry-After");
  o.retry_budget_percent = s.get<double>("retry_budget_percent", o.retry_budget_percent);
  if (o.retry_budget_percent < 0 || o.retry_budget_percent > 100)
    s.report("retry_budget_percent", "must be between 0 and 100", "20 lets a fifth of the requests retry at once");
  o.retry_budget_min = s.get<int>("retry_budget_min", o.retry_budget_min);
  if (o.retry_budget_min < 0) s.report("retry_budget_min", "must not be negative", "10 keeps retries for a quiet client");
  const auto body = s.get<std::int64_t>("max_response_bytes", static_cast<std::int64_t>(o.max_response_bytes));
  if (body < 0) s.report("max_response_bytes", "must not be negative", "1048576 (1 MiB)");
  else o.max_response_bytes = static_cast<std::size_t>(body);
  o.user_agent = s.get<std::string>("user_agent", o.user_agent);
  o.ca_file = s.get<std::string>("ca_file", o.ca_file);
  return o;
}

request request::post(std::string url, std::string body, std::string content_type) {
  request r;
  r.method = "POST";
  r.url = std::move(url);
  r.body = std::move(body);
  r.headers.emplace_back("Content-Type", std::move(content_type));
  return r;
}

request request::get(std::string url) {
  request r;
  r.url = std::move(url);
  return r;
}

std::optional<std::string_view> response::header(std::string_view name) const {
  for (const auto& [key, value] : headers)
    if (iequals(key, name)) return std::string_view(value);
  return std::nullopt;
}

std::string_view to_string(outcome o) noexcept {
  switch (o) {
    case outcome::ok: return "ok";
    case outcome::http_error: return "http_error";
    case outcome::transport: return "transport";
    case outcome::stopping: return "stopping";
    case outcome::rejected: return "rejected";
  }
  return "unknown";
}

std::string_view to_string(submit_status s) noexcept {
  switch (s) {
    case submit_status::accepted: return "accepted";
    case submit_status::queue_full: return "queue_full";
    case submit_status::stopping: return "stopping";
    case submit_status::not_running: return "not_running";
    case submit_status::invalid: return "invalid";
  }
  return "unknown";
}

}  // namespace lifespan::http_client
