// The pipeline component: its queues and threads, start and drain-on-stop, submit, the detect
// workers' and the windows thread's loops, and the counters (stages: pipeline.hpp).
#include "service/pipeline.hpp"

#include <algorithm>

#include "lifespan/metrics/registry.hpp"
#include "service/alert_store.hpp"
#include "service/pipeline_batch.hpp"
#include "service/pipeline_detect.hpp"
#include "service/pipeline_metrics.hpp"
#include "service/pipeline_order.hpp"
#include "service/pipeline_windows.hpp"
#include "service/rules_component.hpp"

namespace vigil::service {

pipeline::pipeline(options o, lifespan::service* svc) : options_(std::move(o)), svc_(svc) {}

pipeline::~pipeline() { stop({}); }

void pipeline::start(lifespan::context& ctx) {
  rules_ = &ctx.get<rules_component>();
  store_ = &ctx.get<alert_store>();
  if (svc_) metrics_ = std::make_unique<metrics>(lifespan::metrics::of(*svc_).families());
  const unsigned workers = std::max(1u, options_.detect_threads);
  raw_ = std::make_unique<bounded_queue<raw_batch>>(options_.queue_capacity);
  // A window of at least one batch per worker, so that every worker can hold a finished batch.
  reorder_ = std::make_unique<reorder_buffer<detected_batch>>(std::max<std::size_t>(options_.queue_capacity, workers));
  analyzed_ = std::make_unique<bounded_queue<analyzed_batch>>(options_.queue_capacity);
  scored_ = std::make_unique<bounded_queue<analyzed_batch>>(options_.queue_capacity);
  // Each stage starts before the one that feeds it, and stop() joins them in the opposite order.
  store_thread_ = std::thread([this] { store_loop(); });
  score_thread_ = std::thread([this] { score_loop(); });
  windows_thread_ = std::thread([this] { windows_loop(); });
  detecting_.store(workers);
  for (unsigned i = 0; i < workers; ++i) detect_threads_.emplace_back([this] { detect_loop(); });
}

void pipeline::stop(lifespan::time_point deadline) {
  if (!raw_) return;
  give_up_at_.store(deadline.time_since_epoch().count(), std::memory_order_relaxed);
  stopping_.store(true, std::memory_order_release);
  raw_->close();  // the workers drain it, the last closes the reorder buffer, and so on down the line
  for (auto& t : detect_threads_)
    if (t.joinable()) t.join();
  if (windows_thread_.joinable()) windows_thread_.join();
  if (score_thread_.joinable()) score_thread_.join();
  if (store_thread_.joinable()) store_thread_.join();
  committed_.notify_all();
}

bool pipeline::submit(raw_batch batch, std::stop_token stop) {
  if (!raw_) return false;
  const auto lines = static_cast<std::uint64_t>(std::count(batch.text.begin(), batch.text.end(), '\n'));
  if (!raw_->push(std::move(batch), stop)) return false;
  lines_read_.fetch_add(lines, std::memory_order_relaxed);
  if (metrics_) {
    metrics_->read.Increment(static_cast<double>(lines));
    metrics_->raw_depth.Set(static_cast<double>(raw_->depth()));
  }
  return true;
}

void pipeline::set_scorer(std::shared_ptr<scorer> s) { scorer_.store(std::move(s)); }

std::string pipeline::mode() const {
  const auto s = scorer_.load();
  return s && s->available() ? "hybrid" : "rules";
}

void pipeline::detect_loop() {
  line_detector detector(options_, *rules_);
  for (;;) {
    std::optional<raw_batch> batch;
    std::uint64_t sequence = 0;
    {
      // Popping and numbering together: numbers follow the order the tailer queued the batches in.
      // The others wait here instead of in pop(); either way they would wait for a batch.
      std::lock_guard lock(take_mutex_);
      batch = raw_->pop();
      sequence = next_sequence_++;
    }
    if (!batch) break;  // closed and drained
    if (metrics_) metrics_->raw_depth.Set(static_cast<double>(raw_->depth()));
    auto out = detector.run(std::move(*batch), scorer_.load());
    const auto bad = detector.take_malformed();
    malformed_.fetch_add(bad, std::memory_order_relaxed);
    lines_detected_.fetch_add(out.lines, std::memory_order_relaxed);
    if (metrics_) {
      metrics_->malformed_lines.Increment(static_cast<double>(bad));
      metrics_->detected.Increment(static_cast<double>(out.lines));
    }
    reorder_->put(sequence, std::move(out));  // waits while too far ahead of the windows stage
    if (metrics_) metrics_->reorder_depth.Set(static_cast<double>(reorder_->depth()));
  }
  if (detecting_.fetch_sub(1) == 1) reorder_->close();  // the last worker: every batch taken was put
}

void pipeline::windows_loop() {
  behaviour_stage windows(options_);
  while (auto batch = reorder_->take()) {
    if (metrics_) metrics_->reorder_depth.Set(static_cast<double>(reorder_->depth()));
    auto out = windows.apply(std::move(*batch));  // behaviour off: no facts, alerts passed on as they are
    behaviour_tracked_.store(windows.tracked(), std::memory_order_relaxed);
    behaviour_evicted_.store(windows.evicted(), std::memory_order_relaxed);
    lines_analyzed_.fetch_add(out.lines, std::memory_order_relaxed);
    if (metrics_) metrics_->analyzed.Increment(static_cast<double>(out.lines));
    analyzed_->push(std::move(out));  // blocks while full; never closed before this loop ends
    if (metrics_) metrics_->analyzed_depth.Set(static_cast<double>(analyzed_->depth()));
  }
  analyzed_->close();
}

void pipeline::on_commit(commit_observer observer) {
  std::lock_guard lock(observer_mutex_);  // waits for a call of the previous observer in progress
  observer_ = std::move(observer);
}

pipeline_stats pipeline::stats() const {
  pipeline_stats s;
  s.lines_read = lines_read_.load();
  s.lines_detected = lines_detected_.load();
  s.lines_analyzed = lines_analyzed_.load();
  s.alerts_vetoed = alerts_vetoed_.load();
  s.lines_stored = lines_stored_.load();
  s.malformed = malformed_.load();
  s.alerts_stored = alerts_stored_.load();
  s.alerts_replayed = alerts_replayed_.load();
  s.commits = commits_.load();
  s.store_errors = store_errors_.load();
  s.behaviour_clients = behaviour_tracked_.load();
  s.behaviour_evicted = behaviour_evicted_.load();
  if (raw_) {
    s.backpressure_waits = raw_->blocked();
    s.raw_depth = raw_->depth();
    s.reorder_depth = reorder_->depth();
    s.analyzed_depth = analyzed_->depth();
    s.scored_depth = scored_->depth();
  }
  s.detect_threads = std::max(1u, options_.detect_threads);
  s.mode = mode();
  return s;
}

bool pipeline::wait_for(const std::function<bool(const pipeline_stats&)>& done, std::chrono::milliseconds timeout) {
  std::unique_lock lock(commit_mutex_);
  return committed_.wait_for(lock, timeout, [&] { return done(stats()); });
}

}  // namespace vigil::service
