#include <fmt/format.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <optional>
#include <random>

#include "lifespan/data/database.hpp"
#include "lifespan/data/telemetry.hpp"
#include "telemetry_sink.hpp"
#include "lifespan/metrics/registry.hpp"
#include "telemetry_state.hpp"

namespace lifespan::data {
namespace {

std::int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Appends one item to `to` and keeps the counters. nullopt (the error recorded, the spool marked
// failing) when the spool cannot take it; otherwise the segment it went to.
std::optional<std::uint32_t> spool_one(telemetry_store::state& s, spool& to, const telemetry_item& item, bool sync) {
  std::uint32_t segment = 0;
  try {
    segment = to.append({&item, 1}, sync);
  } catch (const spool_error& error) {
    s.failed.fetch_add(1, std::memory_order_relaxed);
    s.set_error(error.what());
    s.spool_failing.store(true, std::memory_order_relaxed);
    return std::nullopt;
  }
  s.spooled.fetch_add(1, std::memory_order_relaxed);
  if (s.spool_failing.load(std::memory_order_relaxed)) s.spool_failing.store(false, std::memory_order_relaxed);
  return segment;
}

}  // namespace

telemetry_store::options telemetry_store::read_options(config::section& s) {
  options o;
  const auto capacity = s.get<std::int64_t>("queue_capacity", static_cast<std::int64_t>(o.queue_capacity));
  if (capacity < 2 || capacity > (std::int64_t{1} << 26))
    s.report("queue_capacity", "must be between 2 and 67108864", "65536 suits most services");
  else o.queue_capacity = static_cast<std::size_t>(capacity);
  const auto batch = s.get<std::int64_t>("batch_max", static_cast<std::int64_t>(o.batch_max));
  if (batch < 1 || batch > 100000) s.report("batch_max", "must be between 1 and 100000", "4096 is a good batch");
  else o.batch_max = static_cast<std::size_t>(batch);
  o.batch_delay = s.get<duration>("batch_delay", o.batch_delay);
  const auto policy = s.get<std::string>("when_full", "block");
  if (policy == "block") o.when_full = full_policy::block;
  else if (policy == "drop") o.when_full = full_policy::drop;
  else if (policy == "spill") o.when_full = full_policy::spill;
  else s.report("when_full", fmt::format("unknown policy '{}'", policy), "use block, drop or spill");
  o.block_timeout = s.get<duration>("block_timeout", o.block_timeout);
  o.durable = s.get<bool>("durable", o.durable);
  o.spool_dir = s.get<std::string>("spool_dir", o.spool_dir.string());
  const auto segment = s.get<std::int64_t>("spool_segment_bytes", static_cast<std::int64_t>(o.spool_segment_bytes));
  if (segment < 4096) s.report("spool_segment_bytes", "must be at least 4096", "64 MiB is the default");
  else o.spool_segment_bytes = static_cast<std::uint64_t>(segment);
  o.flush_budget = s.get<duration>("flush_budget", o.flush_budget);
  o.retry_initial = s.get<duration>("retry_initial", o.retry_initial);
  o.retry_max = s.get<duration>("retry_max", o.retry_max);
  o.postgresql_copy = s.get<bool>("postgresql_copy", o.postgresql_copy);
  if (o.batch_delay <= duration::zero()) s.report("batch_delay", "must be positive", "50ms");
  if (o.retry_initial <= duration::zero()) s.report("retry_initial", "must be positive", "100ms");
  return o;
}

std::vector<migration> telemetry_store::migrations() { return {{1, telemetry_table_ddl()}}; }

telemetry_store::telemetry_store(options o) : options_(std::move(o)), state_(std::make_shared<state>(options_)) {}

telemetry_store::telemetry_store(options o, service* metrics_of) : telemetry_store(std::move(o)) {
  metrics_of_ = metrics_of;
}

telemetry_store::~telemetry_store() {
  if (state_->writer.joinable()) stop(time_point{});
}

void telemetry_store::start(context& ctx) {
  auto& s = *state_;
  s.name = ctx.name();
  if (metrics_of_ && !collector_) {
    collector_ = make_telemetry_collector(state_);
    metrics::of(*metrics_of_).add(collector_);
  }
  s.db = &ctx.get<database>();
  s.db->migrate("telemetry", migrations());
  std::random_device random;
  s.origin = static_cast<std::int64_t>((static_cast<std::uint64_t>(random()) << 31 ^ random()) & ((1ull << 62) - 1)) + 1;
  s.previous_files = spool::files_in(options_.spool_dir);
  s.spill = std::make_unique<spool>(options_.spool_dir, "spill", options_.spool_segment_bytes, false);
  s.spill->open();
  if (options_.durable) {
    s.durable = std::make_unique<spool>(options_.spool_dir, "durable", options_.spool_segment_bytes, true);
    s.durable->open();
  }
  // A file-size limit on the spool must be an error the store reports, not a signal that kills the
  // process: keep SIGXFSZ from terminating (only when nobody installed a handler).
  struct sigaction current {};
  if (::sigaction(SIGXFSZ, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) ::signal(SIGXFSZ, SIG_IGN);
  s.running.store(true, std::memory_order_release);
  s.writer = std::thread([state = state_] { run_telemetry_writer(*state); });
}

void telemetry_store::stop(time_point deadline) {
  auto& s = *state_;
  s.running.store(false, std::memory_order_release);
  s.queue.close();
  const auto now = std::chrono::steady_clock::now();
  auto end = now + options_.flush_budget;
  // Within the runtime's stop deadline too, keeping a quarter of what is left for spooling leftovers.
  if (deadline > now) end = std::min(end, now + (deadline - now) * 3 / 4);
  s.close_deadline_ns.store(end.time_since_epoch().count(), std::memory_order_release);
  s.closing.store(true, std::memory_order_release);
  s.wake_writer();
  { std::lock_guard lock(s.space_mutex); }
  s.space.notify_all();
  if (s.writer.joinable()) s.writer.join();
}

std::optional<health_report> telemetry_store::check_health(std::stop_token) {
  auto& s = *state_;
  if (s.spool_failing.load())
    return health_report::degraded(fmt::format("telemetry '{}': the spool refuses writes: {}", s.name, last_error()));
  if (s.database_down.load())
    return health_report::degraded(fmt::format("telemetry '{}': database unavailable, events go to the spool in {} "
                                               "and are replayed on recovery: {}",
                                               s.name, options_.spool_dir.string(), last_error()));
  return health_report::ok();
}

ack telemetry_store::record(event e) {
  auto& s = *state_;
  if (!s.running.load(std::memory_order_relaxed)) {
    s.rejected.fetch_add(1, std::memory_order_relaxed);
    return ack::stopped;
  }
  telemetry_item item{s.origin, 0, e.at_us != 0 ? e.at_us : now_us(), std::move(e.kind), std::move(e.payload), 0};

  if (options_.durable) {
    item.seq = s.durable_seq.fetch_add(1, std::memory_order_relaxed);
    const auto segment = spool_one(s, *s.durable, item, true);
    if (!segment) return ack::failed;
    item.segment = *segment;
  }

  auto stamp = [durable = options_.durable](telemetry_item& cell, std::uint64_t position) {
    if (!durable) cell.seq = static_cast<std::int64_t>(position);
  };
  using push_result = event_queue<telemetry_item>::push_result;
  auto pushed = s.queue.try_push(item, stamp);
  if (pushed == push_result::full && (options_.when_full == full_policy::block || options_.durable)) {
    // Slow path: wait for the writer to free cells (it notifies while someone waits), up to the timeout.
    const auto deadline = std::chrono::steady_clock::now() + options_.block_timeout;
    std::unique_lock lock(s.space_mutex);
    s.waiters.fetch_add(1, std::memory_order_seq_cst);
    while ((pushed = s.queue.try_push(item, stamp)) == push_result::full && std::chrono::steady_clock::now() < deadline)
      s.space.wait_until(lock, std::min(deadline, std::chrono::steady_clock::now() + std::chrono::milliseconds(5)));
    s.waiters.fetch_sub(1, std::memory_order_relaxed);
  }

  switch (pushed) {
    case push_result::ok:
      if (s.writer_sleeping.load(std::memory_order_relaxed) &&
          s.queue.claimed() >= s.wake_at.load(std::memory_order_relaxed))
        s.wake_writer();
      return ack::accepted;
    case push_result::closed:
      if (options_.durable) {  // it is in the spool: replayed at the next start
        s.durable->orphaned(item.segment);
        return ack::accepted;
      }
      s.rejected.fetch_add(1, std::memory_order_relaxed);
      return ack::stopped;
    case push_result::full:
      break;
  }
  if (options_.durable) {
    s.durable->orphaned(item.segment);
    return ack::accepted;
  }
  if (options_.when_full == full_policy::drop) {
    s.dropped.fetch_add(1, std::memory_order_relaxed);
    return ack::dropped;
  }
  if (options_.when_full == full_policy::block) {
    s.rejected.fetch_add(1, std::memory_order_relaxed);
    return ack::timed_out;
  }
  item.seq = s.spill_seq.fetch_add(1, std::memory_order_relaxed);
  return spool_one(s, *s.spill, item, false) ? ack::accepted : ack::failed;
}

telemetry_metrics telemetry_store::metrics() const { return metrics_of(*state_); }

telemetry_metrics metrics_of(const telemetry_store::state& s) {
  telemetry_metrics m;
  m.queued = s.queue.claimed();
  m.written = s.written.load();
  m.spooled = s.spooled.load();
  m.replayed = s.replayed.load();
  m.dropped = s.dropped.load();
  m.rejected = s.rejected.load();
  m.failed = s.failed.load();
  m.batches = s.batches.load();
  m.batch_latency_us_last = s.latency_last.load();
  m.batch_latency_us_max = s.latency_max.load();
  m.batch_latency_us_sum = s.latency_sum.load();
  m.queue_depth = s.queue.depth();
  m.database_down = s.database_down.load();
  return m;
}

std::vector<std::filesystem::path> spool_files(const std::filesystem::path& dir) { return spool::files_in(dir); }

std::string telemetry_store::last_error() const {
  std::lock_guard lock(state_->error_mutex);
  return state_->last_error;
}

}  // namespace lifespan::data
