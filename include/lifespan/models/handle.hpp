#pragma once
// Handles pin one loaded model version for the duration of a request.
//
// Lifetimes: a loaded version is reference-counted. The manager holds one reference while the version
// is loaded, each publication (the model's serving slot, a label) holds one, and each handle holds one.
// When the manager unpublishes a version and drops its own reference, requests still holding handles
// finish on it; the LAST release (on whatever thread) only queues the version for the reaper thread,
// which hands it to the load thread that built it when that thread is not inside a loader (else the
// reaper destroys it itself): libraries such as XGBoost keep per-thread state keyed by the object, and a
// destruction erases the destroying thread's entry only, so the creating thread's (its load and warm-up
// caches, the largest) goes with it; what request threads keep per object stays. The reaper returns the
// memory to the system (malloc_trim). Unloading never runs on a request thread, unless the manager
// itself is already gone.
//
// Publication (detail::slot) is read-copy-update with two reader counters: acquire is six atomic
// operations on two cache lines and never waits; a writer exchanges the pointer and then waits only for
// the readers that were between "load pointer" and "add reference" (a few instructions) before it may
// drop the old version's slot reference.
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "lifespan/models/loader.hpp"

namespace lifespan::models {

namespace detail {

// Per-version counters, written by request threads (relaxed), read for status.
struct version_stats {
  static constexpr std::size_t buckets = 24;  // bucket i counts latencies in [2^(i-1), 2^i) microseconds
  std::atomic<std::uint64_t> requests{0};
  std::atomic<std::uint64_t> rows{0};
  std::atomic<std::uint64_t> errors{0};
  std::array<std::atomic<std::uint64_t>, buckets> latency{};
  std::atomic<std::uint64_t> latency_sum_us{0};  // for the Prometheus histogram's _sum
  std::atomic<std::int64_t> last_access{0};  // the manager clock's ticks since epoch; 0: never

  void record(std::size_t n_rows, std::int64_t micros, bool failed) noexcept;
  // Latency quantile estimate in microseconds (upper bound of the bucket holding it); 0 without data.
  double quantile(double q) const noexcept;
};

struct hub;  // the reaper queue and the coarse clock, shared by the manager and its versions

struct loaded_version {
  std::atomic<std::int64_t> refs{1};  // the manager's own reference
  std::string model;
  std::uint64_t version = 0;
  std::uint64_t generation = 0;       // a forced reload of the same version gets a new generation
  std::uint64_t bytes = 0;            // counted against the memory budget until it is unloaded
  int loaded_by = -1;                 // index of the load thread that built it (it also destroys it)
  std::unique_ptr<servable> instance;
  std::shared_ptr<version_stats> stats;
  std::shared_ptr<const models::manifest> manifest;  // the verified manifest it was loaded from
  std::shared_ptr<hub> owner;

  void add_ref() noexcept { refs.fetch_add(1, std::memory_order_relaxed); }
  void release() noexcept {
    if (refs.fetch_sub(1, std::memory_order_acq_rel) == 1) retire();
  }
  void touch() noexcept;  // last access := the hub's coarse clock (one load, a store only when it moved)

 private:
  void retire() noexcept;  // hands this version to the reaper (or destroys it when the manager is gone)
};

class slot {
 public:
  // A counted reference to the published version, or null. Never blocks.
  loaded_version* acquire() const noexcept {
    for (;;) {
      unsigned e = epoch_.load(std::memory_order_seq_cst) & 1u;
      readers_[e].value.fetch_add(1, std::memory_order_seq_cst);
      if ((epoch_.load(std::memory_order_seq_cst) & 1u) != e) {  // a writer flipped: use the new counter
        readers_[e].value.fetch_sub(1, std::memory_order_release);
        continue;
      }
      loaded_version* p = current_.load(std::memory_order_seq_cst);
      if (p) p->add_ref();
      readers_[e].value.fetch_sub(1, std::memory_order_release);
      return p;
    }
  }
  // Writers only, serialised by the manager. Publishes `next` (taking a reference for the slot) and
  // returns the previous version, whose slot reference the caller now owns and must release().
  loaded_version* exchange(loaded_version* next) noexcept;
  loaded_version* peek() const noexcept { return current_.load(std::memory_order_acquire); }

 private:
  struct alignas(64) counter {
    std::atomic<std::uint32_t> value{0};
  };
  std::atomic<loaded_version*> current_{nullptr};
  std::atomic<unsigned> epoch_{0};
  mutable std::array<counter, 2> readers_{};
};

}  // namespace detail

// A pinned model version. Move-only; empty when the model has no version available ("not now":
// fall back). Release as soon as the request is done: a held handle keeps an unpublished version's
// memory alive.
class handle {
 public:
  handle() noexcept = default;
  explicit handle(detail::loaded_version* v) noexcept : v_(v) {}
  handle(handle&& o) noexcept : v_(o.v_) { o.v_ = nullptr; }
  handle& operator=(handle&& o) noexcept {
    if (this != &o) {
      reset();
      v_ = o.v_;
      o.v_ = nullptr;
    }
    return *this;
  }
  handle(const handle&) = delete;
  handle& operator=(const handle&) = delete;
  ~handle() { reset(); }

  explicit operator bool() const noexcept { return v_ != nullptr; }
  const servable& operator*() const noexcept { return *v_->instance; }
  const servable* operator->() const noexcept { return v_->instance.get(); }
  const std::string& model() const noexcept { return v_->model; }
  std::uint64_t version() const noexcept { return v_->version; }
  // The version's manifest: feature names in column order (may be empty), metadata.
  const models::manifest& manifest() const noexcept { return *v_->manifest; }

  // Predicts on the pinned version and records requests, rows, errors and latency for it. Throws
  // std::invalid_argument for rows of the wrong width, std::runtime_error when the model fails.
  void predict(std::span<const float> rows, std::size_t n_rows, std::vector<float>& scores) const;

  void reset() noexcept {
    if (v_) v_->release();
    v_ = nullptr;
  }

 private:
  detail::loaded_version* v_ = nullptr;
};

}  // namespace lifespan::models
