#pragma once
// Request counters and latency histograms by route and status, kept in atomics that the I/O threads
// bump without locks, allocation or string work: each route (application routes by index, then the
// built-in endpoints, then one slot for requests no route took) owns a fixed block of counters,
// resolved once when the server starts. The registry turns them into Prometheus families only when
// /metrics is scraped.
//
//   lifespan_http_requests_total{method, route, status}          counter
//   lifespan_http_request_duration_seconds{method, route}        histogram: from the complete request
//                                                                header to the response written
//   lifespan_http_requests_in_flight                             gauge: read, not yet answered
//   lifespan_http_connections_open                               gauge
//   lifespan_http_requests_rejected_total{reason}                counter: answered 503/504 without (or
//       instead of) the handler's response: queue_full (every handler thread busy and the queue full),
//       timeout (the request's deadline passed, or the handler reported an upstream timeout: 504),
//       shutdown (still unanswered at the drain deadline)
//   lifespan_http_handler_threads_busy, lifespan_http_handler_queue_depth    gauges (handler_pool.hpp)
//
// Threading: record() and the gauges from any I/O thread (relaxed atomics: a scrape sees each counter
// exact, and the set of them nearly simultaneous); Collect() from the scraping thread.
#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include "lifespan/http/router.hpp"

namespace lifespan::http::detail {

class handler_pool;

enum class rejection : std::uint8_t { queue_full, timeout, shutdown };

class request_metrics final : public prometheus::Collectable {
 public:
  request_metrics(const router& routes, const std::vector<std::string_view>& builtin_paths);

  // The handler pool whose gauges /metrics shows; set once, before any scrape. It must outlive every
  // scrape: the server detaches it (nullptr) before destroying the pool.
  std::atomic<const handler_pool*> handlers{nullptr};
  void reject(rejection why) noexcept { rejected_[static_cast<std::size_t>(why)].fetch_add(1, std::memory_order_relaxed); }
  std::uint64_t rejected(rejection why) const noexcept { return rejected_[static_cast<std::size_t>(why)].load(std::memory_order_relaxed); }

  std::size_t route_slot(std::size_t route_index) const noexcept { return route_index; }
  std::size_t builtin_slot(std::size_t builtin_index) const noexcept { return routes_ + builtin_index; }
  std::size_t unmatched_slot() const noexcept { return slots_.size() - 1; }

  void record(std::size_t slot, unsigned status, std::chrono::nanoseconds took) noexcept;

  std::atomic<int> in_flight{0};
  std::atomic<int> connections{0};

  std::vector<prometheus::MetricFamily> Collect() const override;

  static constexpr std::array<double, 14> bounds{0.0005, 0.001, 0.0025, 0.005, 0.01,  0.025, 0.05,
                                                 0.1,    0.25,  0.5,    1.0,   2.5,   5.0,   10.0};

 private:
  static constexpr std::size_t first_status = 100, statuses = 500;  // 100..599, then one slot for anything else
  struct slot {
    std::string method;
    std::string route;
    std::unique_ptr<std::atomic<std::uint64_t>[]> by_status{new std::atomic<std::uint64_t>[statuses + 1]{}};
    std::array<std::atomic<std::uint64_t>, bounds.size() + 1> buckets{};  // the last one is +Inf
    std::atomic<std::uint64_t> sum_ns{0};
  };
  std::size_t routes_;
  std::vector<std::unique_ptr<slot>> slots_;
  std::array<std::atomic<std::uint64_t>, 3> rejected_{};
};

}  // namespace lifespan::http::detail
