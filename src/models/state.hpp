#pragma once
// The manager's internal state, shared by manager.cpp (control), loading.cpp (load jobs), reaper.cpp
// and status.cpp. Everything in model_entry except the slots is guarded by manager::impl::mu.
#include <array>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <stop_token>
#include <thread>

#include "lifespan/models/manager.hpp"
#include "lifespan/models/repository.hpp"

namespace lifespan::models {
namespace detail {

// The reaper queue and the coarse clock; outlives the manager while handles are out.
struct hub {
  std::atomic<std::int64_t> coarse_now{0};
  std::atomic<std::uint64_t> created{0};
  std::atomic<std::uint64_t> destroyed{0};
  std::mutex mu;
  std::condition_variable cv;
  std::deque<loaded_version*> queue;
  bool running = true;  // false: the manager is gone; a last release destroys inline
  bool trim_wanted = false;  // a load thread destroyed versions: the reaper owes a malloc_trim
  void push(loaded_version* v);
};

struct label_slot {
  std::atomic<bool> used{false};  // name is written once, before used is set
  std::string name;
  slot published;
  std::uint64_t version = 0;  // under mu; 0 with used: label removed
  bool active = false;        // under mu
};

struct version_record {
  std::uint64_t version = 0;
  disk_version disk;
  bool on_disk = true;
  version_state state = version_state::on_disk;
  std::string reason;
  loaded_version* live = nullptr;  // the manager's reference while loaded
  std::uint64_t generation = 0;
  std::uint64_t loading_generation = 0;
  std::shared_ptr<version_stats> stats;
  bool explicit_keep = false;  // load(model, version): kept loaded outside the policy
  bool parked = false;         // evicted, idle or unloaded on request: not reloaded until used or asked
  bool force = false;          // reload(): load again beside the live one
  int attempts = 0;
  std::optional<time_point> retry_at;
  std::string failed_fingerprint;  // a deterministic failure holds until the files change
  time_point load_started{};
  duration load_duration{};
  time_point loaded_at{};
  std::uint64_t estimated_bytes = 0;
  std::uint64_t measured_bytes = 0;
  std::stop_source stop;
};

struct model_entry {
  std::string name;
  model_options opts;
  slot serving;
  std::array<label_slot, 8> labels;
  std::map<std::uint64_t, version_record> versions;
  bool demanded = false;  // lazy: somebody asked
};

}  // namespace detail

struct transition_event {
  time_point at;
  std::string model;
  std::uint64_t version = 0;
  version_state from = version_state::on_disk, to = version_state::on_disk;
  std::string reason;
};

// The newest `capacity` transitions, oldest first. A ring allocated once, whose slots keep their
// strings' capacity: in steady state recording a transition allocates nothing. (As a deque of fresh
// strings, allocated on whichever thread made the transition, the log scattered small blocks among
// freed model pages and, while it filled up, pinned ~0.9 MB that malloc_trim could not return.)
// Not thread-safe: under manager::impl::mu.
class transition_ring {
 public:
  explicit transition_ring(std::size_t capacity) : slots_(capacity) {
    for (auto& s : slots_) {
      s.model.reserve(32);
      s.reason.reserve(96);
    }
  }
  void push(time_point at, const std::string& model, std::uint64_t version, version_state from, version_state to,
            std::string_view reason) {
    if (slots_.empty()) return;
    auto& s = slots_[(first_ + size_) % slots_.size()];
    if (size_ < slots_.size()) ++size_;
    else first_ = (first_ + 1) % slots_.size();
    s.at = at;
    s.model.assign(model);
    s.version = version;
    s.from = from;
    s.to = to;
    s.reason.assign(reason);
  }
  std::size_t size() const noexcept { return size_; }
  const transition_event& operator[](std::size_t k) const { return slots_[(first_ + k) % slots_.size()]; }

 private:
  std::vector<transition_event> slots_;
  std::size_t first_ = 0, size_ = 0;
};

struct manager::impl {
  manager_options opts;
  loader_registry loaders;
  std::shared_ptr<clock> clk;
  repository repo;
  std::shared_ptr<detail::hub> hub = std::make_shared<detail::hub>();
  time_point started_at{};

  mutable std::shared_mutex names_mu;  // guards `models` (insertions only; entries never move)
  std::map<std::string, std::unique_ptr<detail::model_entry>, std::less<>> models;

  mutable std::mutex mu;  // every record, label bookkeeping, budget, queue, log
  std::condition_variable cv;  // state changes
  std::uint64_t used_bytes = 0;      // measured bytes of versions not yet reaped
  std::uint64_t reserved_bytes = 0;  // estimates of loads in progress
  std::deque<std::pair<detail::model_entry*, std::uint64_t>> jobs;
  transition_ring log{0};  // sized from opts in the constructor
  bool stopping = false;

  std::mutex scan_mu;  // one scan at a time
  std::function<void()> tick_hook, rescan_hook;  // manager::tick / rescan, for the background threads
  std::vector<std::jthread> loaders_threads;
  // Retired versions waiting for the load thread that built them (index = loaded_by), under mu. While
  // routing is off (before start, after the load threads are joined) the reaper destroys them itself.
  std::vector<std::deque<detail::loaded_version*>> unload_inbox;
  std::vector<char> load_idle;  // per load thread, under mu: waiting for a job
  std::vector<char> in_loader;  // per load thread, under mu: inside a loader's load() or warmup(), inbox drained
  bool route_unloads = false;
  std::jthread housekeeping;
  std::jthread reaper;
  std::jthread watcher;

  impl(manager_options o, loader_registry l);

  // --- under mu ---
  detail::model_entry* find(std::string_view name) const;
  detail::model_entry& entry_for(const std::string& name);  // creates (under names_mu too)
  void set_state(detail::model_entry& e, detail::version_record& r, version_state to, std::string reason);
  std::vector<std::uint64_t> aspired(const detail::model_entry& e) const;
  void reconcile(detail::model_entry& e);
  void reconcile_all();
  void enqueue(detail::model_entry& e, detail::version_record& r);
  // Takes the version out of every slot, drops the manager's reference; the reaper finishes.
  void unpublish(detail::model_entry& e, detail::version_record& r, std::string reason, bool park);
  bool labelled(const detail::model_entry& e, std::uint64_t version) const;
  std::int64_t handles(const detail::model_entry& e, const detail::version_record& r) const;
  // Budget admission for `estimate` bytes; evicts LRU victims. Empty string: admitted.
  std::string admit(detail::model_entry& e, detail::version_record& r, std::uint64_t estimate);
  duration backoff(const model_options& o, int attempts) const;
  void merge(const disk_listing& listing);

  // --- threads ---
  void load_loop(int self, std::stop_token stop);
  void run_load(detail::model_entry& e, std::uint64_t version, int self);
  // Under mu (released while destroying): destroys the versions routed to load thread `self`.
  void drain_unloads(std::unique_lock<std::mutex>& lock, int self);
  // Under mu: waits for `done` until `deadline`, destroying `self`'s routed versions meanwhile (a load
  // may be waiting for memory or for the drain of versions this very thread must destroy).
  bool wait_unloading(std::unique_lock<std::mutex>& lock, int self, std::chrono::steady_clock::time_point deadline,
                      const std::function<bool()>& done);
  void reap_loop(std::stop_token stop);
  bool route_unload(detail::loaded_version& v);  // reaper: to its load thread; false: destroy here
  void destroy(detail::loaded_version& v);       // unload, count, on_reaped, delete
  void housekeeping_loop(std::stop_token stop);
  void watch_loop(std::stop_token stop);
  void on_reaped(detail::loaded_version& v);

  nlohmann::json version_json(const detail::model_entry& e, const detail::version_record& r) const;
  nlohmann::json model_summary(const detail::model_entry& e) const;
  double ms_since(time_point t) const;
};

}  // namespace lifespan::models
