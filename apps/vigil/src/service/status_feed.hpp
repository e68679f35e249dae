#pragma once
// The service's state as a stream, behind GET /api/status/stream (server-sent events): every
// `interval` one `status` event carrying
//   {"service": {state, ready, degraded, components: [{name, criticality, state, health, reason,
//                in_state_ms, waiting_on}]},
//    "status":  {mode, pipeline: {...the counters and queue depths of /api/status...}},
//    "rates":   {lines_per_second, alerts_per_second, seconds}}
// A new subscriber gets the latest event at once. Rates are measured from the pipeline's counters
// over the last `rate_window` (GET /api/stats reports them as well).
//
// Lifetime: a background component; its thread samples from start() to stop(), which ends every
// open stream. The pipeline is optional: without it "status" says mode "rules" and rates are zero.
// Thread-safety: subscribe() and current() may be called from any thread; one mutex guards
// the streams, the samples and the latest event.
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "lifespan/core/component.hpp"
#include "lifespan/core/handle.hpp"
#include "lifespan/core/service.hpp"
#include "lifespan/http/event_stream.hpp"
#include "service/pipeline.hpp"

namespace vigil::service {

// The pipeline block of /api/status: counters and queue depths.
nlohmann::json pipeline_json(const pipeline_stats& s);

class status_feed : public lifespan::component {
 public:
  struct options {
    lifespan::duration interval = std::chrono::seconds(1);
    lifespan::duration rate_window = std::chrono::seconds(10);
  };
  static options read_options(lifespan::config::section& section);
  status_feed(options o, lifespan::service* svc);
  ~status_feed() override;

  void start(lifespan::context& ctx) override;
  void stop(lifespan::time_point deadline) override;

  void subscribe(std::shared_ptr<lifespan::http::event_stream> stream);

  struct rates {
    double lines_per_second = 0;
    double alerts_per_second = 0;
    double seconds = 0;  // the span measured; 0 until two samples exist
  };
  rates current() const;

 private:
  struct sample {
    std::chrono::steady_clock::time_point at;
    std::uint64_t lines = 0, alerts = 0;
  };
  void run(std::stop_token stop);
  nlohmann::json build();

  options options_;
  lifespan::service* svc_;
  lifespan::handle<pipeline> pipeline_;
  mutable std::mutex mutex_;
  std::condition_variable_any wake_;
  std::deque<sample> samples_;
  nlohmann::json latest_;
  std::vector<std::shared_ptr<lifespan::http::event_stream>> streams_;
  std::jthread thread_;
};

}  // namespace vigil::service
