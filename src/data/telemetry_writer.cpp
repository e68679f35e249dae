// The telemetry store's writer thread: batches by count and time, writes them in transactions,
// falls back to the spool while the database is down, replays the spool (older events first) as soon
// as the database answers again, and drains within the flush budget at shutdown.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "lifespan/data/database.hpp"
#include "telemetry_sink.hpp"
#include "telemetry_state.hpp"

namespace lifespan::data {
namespace {

using steady = std::chrono::steady_clock;

class writer {
 public:
  explicit writer(telemetry_store::state& s) : s_(s), sink_(*s.db, s.opts.postgresql_copy), previous_(s.previous_files) {}

  void run() {
    replay_backlog();
    std::vector<telemetry_item> batch;
    batch.reserve(s_.opts.batch_max);
    steady::time_point started{};
    for (;;) {
      fill(batch, started);
      if (s_.closing.load(std::memory_order_acquire)) return finish(batch);
      const auto now = steady::now();
      if (batch.size() >= s_.opts.batch_max || (!batch.empty() && now - started >= s_.opts.batch_delay)) {
        if (write(batch)) {
          batch.clear();
        } else {
          sleep_until(now + backoff_);  // neither database nor spool: keep the batch, the queue pushes back
        }
        continue;
      }
      if (batch.empty() && now >= next_retry_ && backlog_pending()) {
        replay_backlog();
        continue;
      }
      auto until = batch.empty() ? now + std::chrono::milliseconds(200) : started + s_.opts.batch_delay;
      if ((down_ || backlog_pending()) && next_retry_ > now) until = std::min(until, next_retry_);
      sleep_until(until, s_.opts.batch_max - batch.size());
    }
  }

 private:
  void fill(std::vector<telemetry_item>& batch, steady::time_point& started) {
    bool got = false;
    while (batch.size() < s_.opts.batch_max && s_.queue.try_pop(item_)) {
      if (batch.empty()) started = steady::now();
      batch.push_back(std::move(item_));
      got = true;
    }
    if (got) s_.notify_space();
  }

  void sleep_until(steady::time_point until, std::size_t need = 0) {
    std::unique_lock lock(s_.wake_mutex);
    s_.wake_at.store(s_.queue.consumed() + std::max<std::size_t>(need, 1), std::memory_order_relaxed);
    s_.writer_sleeping.store(true, std::memory_order_seq_cst);
    if ((need > 0 && s_.queue.claimed() >= s_.wake_at.load(std::memory_order_relaxed)) ||
        s_.closing.load(std::memory_order_seq_cst)) {
      s_.writer_sleeping.store(false, std::memory_order_relaxed);
      return;
    }
    s_.wake.wait_until(lock, until, [&] {
      return !s_.writer_sleeping.load(std::memory_order_relaxed) || s_.closing.load(std::memory_order_relaxed);
    });
    s_.writer_sleeping.store(false, std::memory_order_relaxed);
  }

  // Shutdown: into the database while the budget lasts, then into the spool (synced).
  void finish(std::vector<telemetry_item>& batch) {
    const steady::time_point deadline{steady::duration(s_.close_deadline_ns.load(std::memory_order_acquire))};
    steady::time_point ignored{};
    for (;;) {
      const std::size_t before = batch.size();
      fill(batch, ignored);
      const bool drained = s_.queue.drained();
      if (batch.size() >= s_.opts.batch_max || (drained && !batch.empty())) {
        const bool ok = (!down_ && steady::now() < deadline) ? write(batch) : spool_out(batch, true);
        if (!ok) {
          spdlog::error("telemetry '{}': {} acknowledged event(s) could be written neither to the database nor to "
                        "the spool and are lost: {}",
                        s_.name, batch.size(), current_error());
          s_.failed.fetch_add(batch.size());
        }
        batch.clear();
      }
      if (drained && batch.empty()) break;
      if (batch.size() == before) std::this_thread::yield();  // a producer is publishing its claimed cell
    }
    if (!down_ && steady::now() < deadline && backlog_pending()) replay_backlog();
    s_.spill->sync_active();
    if (s_.durable) s_.durable->seal();
  }

  bool write(std::vector<telemetry_item>& batch) {
    if (down_ || backlog_pending()) {
      if (steady::now() >= next_retry_) replay_backlog();
      if (down_ || backlog_pending()) return spool_out(batch, s_.closing.load());
    }
    if (insert(batch)) {
      s_.written.fetch_add(batch.size(), std::memory_order_relaxed);
      account_durable(batch);
      return true;
    }
    return spool_out(batch, s_.closing.load());
  }

  bool insert(std::vector<telemetry_item>& batch) {
    const auto t0 = steady::now();
    try {
      sink_.insert(batch, true);  // fresh from the queue: never written before
    } catch (const std::exception& e) {
      failed(e);
      return false;
    }
    const auto us = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(steady::now() - t0).count());
    s_.batches.fetch_add(1, std::memory_order_relaxed);
    s_.latency_last.store(us, std::memory_order_relaxed);
    s_.latency_sum.fetch_add(us, std::memory_order_relaxed);
    if (us > s_.latency_max.load(std::memory_order_relaxed)) s_.latency_max.store(us, std::memory_order_relaxed);
    recovered();
    return true;
  }

  bool spool_out(std::vector<telemetry_item>& batch, bool sync) {
    const bool durable_items = std::any_of(batch.begin(), batch.end(), [](const auto& i) { return i.segment != 0; });
    try {
      s_.spill->append(batch, sync || durable_items);
    } catch (const spool_error& e) {
      s_.set_error(e.what());
      s_.spool_failing.store(true, std::memory_order_relaxed);
      spdlog::error("telemetry '{}': {}", s_.name, e.what());
      return false;
    }
    s_.spool_failing.store(false, std::memory_order_relaxed);
    s_.spooled.fetch_add(batch.size(), std::memory_order_relaxed);
    account_durable(batch);
    return true;
  }

  // Durable events now safe elsewhere (database, or the synced spill spool): their segment may go.
  void account_durable(const std::vector<telemetry_item>& batch) {
    if (!s_.durable) return;
    for (std::size_t i = 0; i < batch.size();) {
      std::size_t j = i;
      while (j < batch.size() && batch[j].segment == batch[i].segment) ++j;
      if (batch[i].segment != 0) s_.durable->committed(batch[i].segment, j - i);
      i = j;
    }
  }

  bool backlog_pending() const {
    return !previous_.empty() || !s_.spill->active_empty() || !s_.spill->sealed_files().empty() ||
           (s_.durable && !s_.durable->sealed_files().empty());
  }

  // Everything in the spool goes to the database, oldest file first; each file is deleted once all
  // of it is committed. False (and backing off) when the database fails.
  bool replay_backlog() {
    s_.spill->seal();
    std::vector<std::filesystem::path> files = previous_;
    for (auto& f : s_.spill->sealed_files()) files.push_back(f);
    if (s_.durable)
      for (auto& f : s_.durable->sealed_files()) files.push_back(f);
    std::uint64_t total = 0;
    for (const auto& file : files) {
      std::vector<telemetry_item> chunk;
      std::uint64_t n = 0;
      try {
        auto flush = [&] {
          if (chunk.empty()) return;
          sink_.insert(chunk);
          n += chunk.size();
          chunk.clear();
        };
        spool::read(file, [&](telemetry_item&& item) {
          chunk.push_back(std::move(item));
          if (chunk.size() >= s_.opts.batch_max) flush();
        });
        flush();
      } catch (const std::exception& e) {
        s_.replayed.fetch_add(n, std::memory_order_relaxed);
        failed(e);
        return false;
      }
      s_.replayed.fetch_add(n, std::memory_order_relaxed);
      total += n;
      if (auto it = std::find(previous_.begin(), previous_.end(), file); it != previous_.end()) {
        std::error_code ignored;
        std::filesystem::remove(file, ignored);
        previous_.erase(it);
      } else {
        s_.spill->forget(file);
        if (s_.durable) s_.durable->forget(file);
      }
    }
    if (total > 0) spdlog::info("telemetry '{}': replayed {} event(s) from the spool", s_.name, total);
    recovered();
    return true;
  }

  void failed(const std::exception& e) {
    const std::string why = s_.db->scrub(e.what());
    s_.set_error(why);
    backoff_ = backoff_ == duration::zero() ? s_.opts.retry_initial : std::min(backoff_ * 2, s_.opts.retry_max);
    next_retry_ = steady::now() + backoff_;
    if (!down_)
      spdlog::warn("telemetry '{}': database write failed, events go to the spool in {} until it answers: {}", s_.name,
                   s_.opts.spool_dir.string(), why);
    down_ = true;
    s_.database_down.store(true, std::memory_order_release);
  }

  void recovered() {
    backoff_ = duration::zero();
    if (!down_) return;
    down_ = false;
    s_.database_down.store(false, std::memory_order_release);
    spdlog::info("telemetry '{}': database writes work again", s_.name);
  }

  std::string current_error() const {
    std::lock_guard lock(s_.error_mutex);
    return s_.last_error;
  }

  telemetry_store::state& s_;
  telemetry_sink sink_;
  std::vector<std::filesystem::path> previous_;
  telemetry_item item_;
  steady::time_point next_retry_{};
  duration backoff_ = duration::zero();
  bool down_ = false;
};

}  // namespace

void run_telemetry_writer(telemetry_store::state& s) {
  try {
    writer(s).run();
  } catch (const std::exception& e) {
    spdlog::critical("telemetry '{}': writer stopped: {}", s.name, e.what());
  }
}

}  // namespace lifespan::data
