#include "request_metrics.hpp"

#include <algorithm>
#include <limits>
#include <utility>

#include "handler_pool.hpp"

namespace lifespan::http::detail {
namespace {

// The bounds in nanoseconds, so that record() compares integers.
constexpr auto bounds_ns = [] {
  std::array<std::int64_t, request_metrics::bounds.size()> out{};
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<std::int64_t>(request_metrics::bounds[i] * 1e9 + 0.5);
  return out;
}();

}  // namespace

request_metrics::request_metrics(const router& routes, const std::vector<std::string_view>& builtin_paths)
    : routes_(routes.size()) {
  const auto add = [&](std::string method, std::string route) {
    auto s = std::make_unique<slot>();
    s->method = std::move(method);
    s->route = std::move(route);
    slots_.push_back(std::move(s));
  };
  for (std::size_t i = 0; i < routes.size(); ++i) add(std::string(to_string(routes.at(i).method())), routes.at(i).pattern());
  for (auto p : builtin_paths) add("GET", std::string(p));
  add("", "(unmatched)");  // 404, 405, malformed, oversized and timed-out requests
}

void request_metrics::record(std::size_t index, unsigned status, std::chrono::nanoseconds took) noexcept {
  auto& s = *slots_[index];
  const std::size_t code = status >= first_status && status < first_status + statuses ? status - first_status : statuses;
  s.by_status[code].fetch_add(1, std::memory_order_relaxed);
  const auto ns = std::max<std::int64_t>(took.count(), 0);
  std::size_t b = 0;
  while (b < bounds_ns.size() && ns > bounds_ns[b]) ++b;
  s.buckets[b].fetch_add(1, std::memory_order_relaxed);
  s.sum_ns.fetch_add(static_cast<std::uint64_t>(ns), std::memory_order_relaxed);
}

std::vector<prometheus::MetricFamily> request_metrics::Collect() const {
  using prometheus::ClientMetric;
  prometheus::MetricFamily total{"lifespan_http_requests_total", "HTTP requests answered, by route and status",
                                 prometheus::MetricType::Counter, {}};
  prometheus::MetricFamily latency{"lifespan_http_request_duration_seconds",
                                   "Time from a complete request header to the response written, by route",
                                   prometheus::MetricType::Histogram, {}};
  for (const auto& s : slots_) {
    std::uint64_t count = 0;
    ClientMetric h;
    h.label = {{"method", s->method}, {"route", s->route}};
    for (std::size_t b = 0; b < s->buckets.size(); ++b) {
      count += s->buckets[b].load(std::memory_order_relaxed);
      h.histogram.bucket.push_back({count, b < bounds.size() ? bounds[b] : std::numeric_limits<double>::infinity()});
    }
    if (count == 0) continue;  // a route never requested shows no series (Prometheus treats absence as 0)
    h.histogram.sample_count = count;
    h.histogram.sample_sum = static_cast<double>(s->sum_ns.load(std::memory_order_relaxed)) / 1e9;
    latency.metric.push_back(std::move(h));
    for (std::size_t code = 0; code <= statuses; ++code) {
      const auto n = s->by_status[code].load(std::memory_order_relaxed);
      if (n == 0) continue;
      ClientMetric c;
      c.label = {{"method", s->method}, {"route", s->route},
                 {"status", code < statuses ? std::to_string(code + first_status) : std::string("other")}};
      c.counter.value = static_cast<double>(n);
      total.metric.push_back(std::move(c));
    }
  }
  ClientMetric flight, open, busy, depth;
  flight.gauge.value = in_flight.load(std::memory_order_relaxed);
  open.gauge.value = connections.load(std::memory_order_relaxed);
  // Every reason is shown, 0 included: an alert on a rate needs the series to exist before it moves.
  prometheus::MetricFamily rejected{"lifespan_http_requests_rejected_total",
                                    "Requests answered 503/504 by the server instead of their handler, by reason",
                                    prometheus::MetricType::Counter, {}};
  for (auto [why, name] : {std::pair{rejection::queue_full, "queue_full"}, {rejection::timeout, "timeout"},
                           {rejection::shutdown, "shutdown"}}) {
    ClientMetric c;
    c.label = {{"reason", name}};
    c.counter.value = static_cast<double>(this->rejected(why));
    rejected.metric.push_back(std::move(c));
  }
  if (const auto* pool = handlers.load()) {
    busy.gauge.value = static_cast<double>(pool->busy());
    depth.gauge.value = static_cast<double>(pool->queued());
  }
  return {std::move(total), std::move(latency), std::move(rejected),
          {"lifespan_http_requests_in_flight", "Requests read and not yet answered", prometheus::MetricType::Gauge, {flight}},
          {"lifespan_http_connections_open", "Open client connections", prometheus::MetricType::Gauge, {open}},
          {"lifespan_http_handler_threads_busy", "Handler threads running a route handler", prometheus::MetricType::Gauge, {busy}},
          {"lifespan_http_handler_queue_depth", "Requests waiting for a handler thread", prometheus::MetricType::Gauge, {depth}}};
}

}  // namespace lifespan::http::detail
