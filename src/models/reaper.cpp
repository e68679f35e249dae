// Handles, slots and the reaper: the only code on request threads, and the thread that hands retired
// versions back to the load thread that built them (which destroys them) and trims the heap.
#include <malloc.h>
#include <pthread.h>

#include <chrono>
#include <thread>
#include <utility>

#include "state.hpp"

namespace lifespan::models {
namespace detail {

void version_stats::record(std::size_t n_rows, std::int64_t micros, bool failed) noexcept {
  requests.fetch_add(1, std::memory_order_relaxed);
  rows.fetch_add(n_rows, std::memory_order_relaxed);
  if (failed) errors.fetch_add(1, std::memory_order_relaxed);
  std::size_t b = 0;
  for (auto m = static_cast<std::uint64_t>(micros < 0 ? 0 : micros); m != 0 && b + 1 < buckets; m >>= 1) ++b;
  latency[b].fetch_add(1, std::memory_order_relaxed);
  latency_sum_us.fetch_add(static_cast<std::uint64_t>(micros < 0 ? 0 : micros), std::memory_order_relaxed);
}

double version_stats::quantile(double q) const noexcept {
  std::uint64_t total = 0;
  for (const auto& c : latency) total += c.load(std::memory_order_relaxed);
  if (total == 0) return 0;
  auto target = static_cast<std::uint64_t>(q * static_cast<double>(total));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < buckets; ++i) {
    seen += latency[i].load(std::memory_order_relaxed);
    if (seen > target) return static_cast<double>(std::uint64_t{1} << i);
  }
  return static_cast<double>(std::uint64_t{1} << (buckets - 1));
}

void loaded_version::touch() noexcept {
  auto now = owner->coarse_now.load(std::memory_order_relaxed);
  if (stats->last_access.load(std::memory_order_relaxed) != now) stats->last_access.store(now, std::memory_order_relaxed);
}

void loaded_version::retire() noexcept { owner->push(this); }

void hub::push(loaded_version* v) {
  {
    std::lock_guard lock(mu);
    if (running) {
      queue.push_back(v);
      cv.notify_one();
      return;
    }
  }
  destroyed.fetch_add(1, std::memory_order_relaxed);
  delete v;  // the manager is gone: nobody else can unload it
}

loaded_version* slot::exchange(loaded_version* next) noexcept {
  if (next) next->add_ref();
  loaded_version* old = current_.exchange(next, std::memory_order_seq_cst);
  unsigned e = epoch_.fetch_add(1, std::memory_order_seq_cst) & 1u;
  // Readers that entered on the old epoch may have read `old` without counting it yet: wait for them
  // (a few instructions each). Readers on the new epoch read the new pointer.
  while (readers_[e].value.load(std::memory_order_acquire) != 0) std::this_thread::yield();
  return old;
}

}  // namespace detail

void handle::predict(std::span<const float> rows, std::size_t n_rows, std::vector<float>& scores) const {
  auto begin = std::chrono::steady_clock::now();
  bool failed = true;
  struct record_on_exit {
    const handle& h;
    std::chrono::steady_clock::time_point begin;
    std::size_t n;
    bool& failed;
    ~record_on_exit() {
      auto micros = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - begin);
      h.v_->stats->record(n, micros.count(), failed);
    }
  } recorder{*this, begin, n_rows, failed};
  v_->instance->predict(rows, n_rows, scores);
  failed = false;
}

bool manager::impl::route_unload(detail::loaded_version& v) {
  std::lock_guard lock(mu);
  if (!route_unloads || v.loaded_by < 0 || static_cast<std::size_t>(v.loaded_by) >= unload_inbox.size()) return false;
  // Not to a load thread inside a loader: it could be there for as long as the load takes (or hangs),
  // holding the memory a resource-preserving swap or the budget waits for. The reaper destroys it then.
  if (in_loader[static_cast<std::size_t>(v.loaded_by)]) return false;
  unload_inbox[static_cast<std::size_t>(v.loaded_by)].push_back(&v);
  cv.notify_all();  // the load threads share one condition variable
  return true;
}

void manager::impl::destroy(detail::loaded_version& v) {
  v.instance.reset();  // unload: XGBoosterFree, ...
  hub->destroyed.fetch_add(1, std::memory_order_relaxed);
  on_reaped(v);        // then say so: state unloaded, bytes back in the budget
  delete &v;
}

void manager::impl::reap_loop(std::stop_token stop) {
  pthread_setname_np(pthread_self(), "models-reaper");
  auto last_trim = std::chrono::steady_clock::now() - opts.trim_interval;
  bool trim_owed = false;
  std::unique_lock lock(hub->mu);
  for (;;) {
    if (hub->queue.empty() && !hub->trim_wanted) {
      if (stop.stop_requested()) break;
      if (trim_owed) {
        hub->cv.wait_for(lock, opts.trim_interval);
      } else {
        hub->cv.wait(lock, [&] { return !hub->queue.empty() || hub->trim_wanted || stop.stop_requested(); });
      }
    }
    std::deque<detail::loaded_version*> batch;
    batch.swap(hub->queue);
    bool destroyed_elsewhere = std::exchange(hub->trim_wanted, false);
    lock.unlock();
    // A version goes back to the load thread that built it (see handle.hpp); the reaper destroys only
    // when that thread is gone (the manager is stopping).
    bool destroyed_here = false;
    for (auto* v : batch)
      if (!route_unload(*v)) {
        destroy(*v);
        destroyed_here = true;
      }
    trim_owed = trim_owed || destroyed_here || destroyed_elsewhere;
    auto now = std::chrono::steady_clock::now();
    if (trim_owed && now - last_trim >= opts.trim_interval) {
      malloc_trim(0);  // glibc keeps freed pages otherwise: boosters freed, RSS unchanged
      last_trim = now;
      trim_owed = false;
    }
    {
      std::lock_guard g(mu);
      cv.notify_all();
    }
    lock.lock();
  }
}

}  // namespace lifespan::models
