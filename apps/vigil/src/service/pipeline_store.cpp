// The pipeline's store stage (pipeline.hpp): alerts and file positions in one transaction per group
// of queued batches, retried with backoff until it succeeds (or, once stopping, until the deadline).
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "service/alert_store.hpp"
#include "service/pipeline.hpp"
#include "service/pipeline_batch.hpp"
#include "service/pipeline_metrics.hpp"

namespace vigil::service {

void pipeline::store_loop() {
  std::vector<analyzed_batch> pending;
  while (auto first = scored_->pop()) {
    pending.clear();
    std::size_t lines = first->lines;
    pending.push_back(std::move(*first));
    while (lines < options_.max_commit_lines) {
      auto more = scored_->try_pop();
      if (!more) break;
      lines += more->lines;
      pending.push_back(std::move(*more));
    }
    if (metrics_) metrics_->scored_depth.Set(static_cast<double>(scored_->depth()));
    commit(pending);
  }
}

void pipeline::commit(std::vector<analyzed_batch>& pending) {
  std::vector<alert> alerts;
  std::vector<position_mark> marks;
  std::uint64_t lines = 0;
  for (auto& b : pending) {
    lines += b.lines;
    marks.push_back(b.mark);
    for (auto& a : b.alerts) alerts.push_back(std::move(a));
  }
  if (options_.commit_delay > lifespan::duration::zero()) std::this_thread::sleep_for(options_.commit_delay);
  auto backoff = options_.retry_initial;
  std::size_t added = 0;
  for (;;) {
    try {
      added = store_->write(alerts, [&](soci::session& s) { save_positions(s, marks); });
      alerts_stored_.fetch_add(added, std::memory_order_relaxed);
      alerts_replayed_.fetch_add(alerts.size() - added, std::memory_order_relaxed);
      break;
    } catch (const std::exception& e) {
      store_errors_.fetch_add(1, std::memory_order_relaxed);
      if (metrics_) metrics_->store_errors.Increment();
      const bool give_up = stopping_.load(std::memory_order_acquire) &&
                           std::chrono::steady_clock::now().time_since_epoch().count() >=
                               give_up_at_.load(std::memory_order_relaxed);
      spdlog::error("pipeline: storing {} alerts and the positions of {} lines failed: {}; {}", alerts.size(), lines,
                    e.what(), give_up ? "giving up at the stop deadline (these lines are processed again on the next run)"
                                      : fmt::format("retrying in {} ms (reading is paused while the queues are full)",
                                                    std::chrono::duration_cast<std::chrono::milliseconds>(backoff).count()));
      if (give_up) return;
      std::this_thread::sleep_for(backoff);
      backoff = std::min(backoff * 2, options_.retry_max);
    }
  }
  const auto now = std::chrono::steady_clock::now();
  if (metrics_) {
    metrics_->stored.Increment(static_cast<double>(lines));
    for (const auto& b : pending) metrics_->commit_latency.Observe(std::chrono::duration<double>(now - b.read_at).count());
    metrics_->alerts_new.Increment(static_cast<double>(added));
  }
  {
    std::lock_guard lock(observer_mutex_);
    if (observer_) observer_(alerts, lines);
  }
  {
    std::lock_guard lock(commit_mutex_);
    lines_stored_.fetch_add(lines, std::memory_order_relaxed);
    commits_.fetch_add(1, std::memory_order_relaxed);
  }
  committed_.notify_all();
}

}  // namespace vigil::service
