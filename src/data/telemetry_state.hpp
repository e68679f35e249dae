#pragma once
// What record() (any thread) and the writer thread share. Producers touch only the queue, a few
// relaxed flags and, on their slow paths, the spools and the space condition.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "event_queue.hpp"
#include "lifespan/data/telemetry.hpp"
#include "spool.hpp"
#include "telemetry_item.hpp"

namespace lifespan::data {

// Key spaces within one origin: queued events use their queue position; events that bypass the
// queue take their own ranges, so keys never collide.
constexpr std::int64_t spill_seq_base = std::int64_t{1} << 62;
constexpr std::int64_t durable_seq_base = std::int64_t{1} << 61;

struct telemetry_store::state {
  explicit state(const options& o) : opts(o), queue(o.queue_capacity) {}

  const options opts;
  event_queue<telemetry_item> queue;
  database* db = nullptr;
  std::string name = "telemetry";
  std::int64_t origin = 0;
  std::unique_ptr<spool> spill;    // outage, shutdown leftovers, full-queue spill
  std::unique_ptr<spool> durable;  // durable mode: every event before its ack
  std::vector<std::filesystem::path> previous_files;  // left by earlier runs, replayed first

  std::atomic<bool> running{false};
  std::atomic<std::int64_t> spill_seq{spill_seq_base};
  std::atomic<std::int64_t> durable_seq{durable_seq_base};

  // Writer wake-up: producers notify only while the writer sleeps and the queue passed wake_at.
  std::atomic<bool> writer_sleeping{false};
  std::atomic<std::uint64_t> wake_at{0};
  std::mutex wake_mutex;
  std::condition_variable wake;
  std::atomic<bool> closing{false};
  std::atomic<std::int64_t> close_deadline_ns{0};  // steady clock

  // Blocked producers (policy block) wait here for the writer to free cells.
  std::atomic<int> waiters{0};
  std::mutex space_mutex;
  std::condition_variable space;

  // counters (queued is the queue's claim count)
  std::atomic<std::uint64_t> written{0}, spooled{0}, replayed{0}, dropped{0}, rejected{0}, failed{0}, batches{0};
  std::atomic<std::uint64_t> latency_last{0}, latency_max{0}, latency_sum{0};
  std::atomic<bool> database_down{false};
  std::atomic<bool> spool_failing{false};  // the last spool append failed (disk full, size limit)

  mutable std::mutex error_mutex;
  std::string last_error;
  void set_error(std::string e) {
    std::lock_guard lock(error_mutex);
    last_error = std::move(e);
  }

  void wake_writer() {
    writer_sleeping.store(false, std::memory_order_relaxed);
    { std::lock_guard lock(wake_mutex); }
    wake.notify_one();
  }
  void notify_space() {
    if (waiters.load(std::memory_order_seq_cst) == 0) return;
    { std::lock_guard lock(space_mutex); }
    space.notify_all();
  }

  std::thread writer;
};

// The writer thread's body (telemetry_writer.cpp).
void run_telemetry_writer(telemetry_store::state& s);

// What telemetry_store::metrics() reports, read from the shared state (any thread, any time).
telemetry_metrics metrics_of(const telemetry_store::state& s);
// The Prometheus collector behind lifespan_telemetry_* (telemetry_metrics.cpp); it keeps `s` alive, so
// a scrape racing the store's destruction still reads valid counters.
std::shared_ptr<const prometheus::Collectable> make_telemetry_collector(std::shared_ptr<telemetry_store::state> s);

}  // namespace lifespan::data
