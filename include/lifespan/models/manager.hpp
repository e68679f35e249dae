#pragma once
// The model manager: which versions of which models are loaded, published, labelled and unloaded.
//
//   models::manager_options o;  o.root = "/srv/models";  o.models["fraud"].required = true;
//   models::loader_registry loaders;  models::add_xgboost_loader(loaders);
//   models::manager m(o, loaders);  m.start();
//   auto fraud = m.model("fraud");                     // resolve once (stable for the manager's life)
//   if (auto h = fraud.acquire()) h.predict(rows, n, scores); else rules_only();
//
// Policy, per model (model_options): a version policy (latest N, all, specific versions) says which
// complete versions on disk are *aspired*. Aspired versions are loaded (lazy models: on first use) on
// the load threads, warmed up, and only then published. The serving slot holds the highest ready
// aspired version; labels ("stable", "canary") point at versions that were ready when the label was set
// and keep them loaded. Versions that are neither aspired, explicitly loaded nor labelled are unloaded:
//  - availability_preserving (default): only once an aspired version is ready, so a failed or slow
//    load leaves the current version serving (peak memory: old + new);
//  - resource_preserving: unpublished first and their memory awaited before the new load starts (a
//    short gap without a version), for models that do not fit twice.
// Failed loads are recorded with their reason; transient failures are retried with exponential
// backoff, deterministic ones (checksum, parse, schema) only after the files change or on reload().
//
// Memory: with a budget, a load whose estimate does not fit evicts least-recently-used versions that
// no handle holds, no label pins, and that are not the version a required model (or the loading
// model itself) is serving; if that is not enough the load fails with a reason naming what holds the
// memory. idle_ttl unloads versions not acquired for that long (optional models only); they, and
// evicted versions, are loaded again on the next acquire_or_load().
//
// Threads: load threads (options.load_threads; they also destroy the versions they built, handed back
// by the reaper), one reaper thread (routes retired versions, malloc_trim), one
// housekeeping thread (retries, idle TTL, periodic rescan) and one inotify watcher. Every public member
// function is thread-safe. acquire() through a model_ref never blocks and never allocates; control
// calls (load, unload, set_label, ...) take the manager's lock briefly and never wait for a load.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "lifespan/core/clock.hpp"
#include "lifespan/models/handle.hpp"
#include "lifespan/models/loader.hpp"

namespace lifespan::models {

enum class version_state : std::uint8_t {
  on_disk,   // complete on disk, not loaded (not aspired, lazy, or parked after eviction/idle)
  queued,    // waiting for a load thread
  loading,
  warming,
  ready,     // loaded and warmed; published where the policy says
  draining,  // unpublished; handles still hold it; unloaded after the last release
  unloaded,  // memory returned (superseded, evicted, idle, unloaded on request: see the reason)
  failed,    // the last load failed (see the reason; retrying when retry_at is set)
  invalid,   // invalid on disk (bad manifest or checksum): never loaded
};
const char* to_string(version_state s) noexcept;

struct version_policy {
  enum kind_t { latest, all, specific } kind = latest;
  std::size_t count = 1;                // latest: how many of the newest complete versions
  std::vector<std::uint64_t> versions;  // specific
  static version_policy latest_n(std::size_t n) { return {latest, n, {}}; }
  static version_policy all_versions() { return {all, 0, {}}; }
  static version_policy only(std::vector<std::uint64_t> v) { return {specific, 0, std::move(v)}; }
  std::string describe() const;
};

enum class swap_mode : std::uint8_t { availability_preserving, resource_preserving };

struct model_options {
  bool required = false;  // readiness waits for it; its last serving version is never unloaded
  bool lazy = false;      // loaded on the first acquire_or_load(), not at start
  version_policy policy;
  swap_mode mode = swap_mode::availability_preserving;
  duration idle_ttl{};    // zero: never; not allowed for required models
  int max_attempts = 5;   // per version, for transient failures
  duration retry_initial = std::chrono::seconds(1);
  duration retry_max = std::chrono::seconds(60);
  duration load_timeout = std::chrono::seconds(60);
};

struct manager_options {
  std::filesystem::path root;
  std::map<std::string, model_options> models;  // models named here; others found on disk use `defaults`
  model_options defaults;                        // for unlisted models (optional unless said otherwise)
  bool serve_unlisted = true;                    // false: models on disk but not in `models` are ignored
  bool follow_symlinks = false;                  // serve links out of `root` (repository.hpp)
  std::uint64_t memory_budget = 0;               // bytes; 0: unlimited
  int load_threads = 2;
  // Added to the load threads' nice value (Linux: per thread), 0..19: parsing and warming a new version
  // then yields the CPU to request threads, so a swap costs readers little. 0: the process's priority.
  // The reaper keeps the process's priority (malloc_trim holds arena locks readers may need).
  int load_nice = 10;
  bool watch = true;                             // inotify on the repository
  duration rescan_interval = std::chrono::seconds(10);       // safety net behind inotify
  duration housekeeping_interval = std::chrono::milliseconds(200);  // retries, idle TTL
  duration trim_interval = std::chrono::milliseconds(200);   // at most one malloc_trim per interval
  std::size_t transition_log = 512;
  std::shared_ptr<lifespan::clock> clock;        // default: steady
};

// What a control call did: 2xx-like on success; 404 unknown model or version; 409 not possible now
// (with the reason); 400 bad argument. `reason` always says why and what to do.
struct outcome {
  int code = 200;
  std::string error;   // short name: "unknown_model", "not_ready", ...
  std::string reason;
  bool ok() const noexcept { return code < 300; }
};

namespace detail {
struct model_entry;
}

// A model, resolved once. Copyable; valid as long as the manager.
class model_ref {
 public:
  model_ref() = default;
  explicit model_ref(detail::model_entry* e) : e_(e) {}
  explicit operator bool() const noexcept { return e_ != nullptr; }
  // The serving version, or an empty handle. Never blocks (a few atomic operations).
  handle acquire() const noexcept;
  // The version a label points at, or an empty handle.
  handle acquire(std::string_view label) const noexcept;
  const std::string& name() const noexcept;

 private:
  detail::model_entry* e_ = nullptr;
};

class manager {
 public:
  manager(manager_options options, loader_registry loaders);
  ~manager();  // stops loads (stop tokens), unpublishes everything, reaps what no handle holds
  manager(const manager&) = delete;
  manager& operator=(const manager&) = delete;

  // Validates options (throws std::invalid_argument naming the model, the key and the fix), scans the
  // repository, queues the initial loads and starts the threads. Returns at once.
  void start();

  model_ref model(std::string_view name) const;  // empty when no such model (yet)
  handle acquire(std::string_view model) const;  // by name: a map lookup under a shared lock, then acquire
  handle acquire(std::string_view model, std::string_view label) const;
  handle acquire_version(std::string_view model, std::uint64_t version) const;
  // Lazy path: the serving version, else triggers the load (single-flight: one load however many
  // callers) and waits up to `wait` for it. wait == 0: "not now" at once, the load still proceeds.
  handle acquire_or_load(std::string_view model, std::chrono::milliseconds wait);

  outcome load(std::string_view model, std::optional<std::uint64_t> version = {});
  outcome unload(std::string_view model, std::optional<std::uint64_t> version = {});
  outcome reload(std::string_view model, std::optional<std::uint64_t> version = {});  // forced
  outcome set_label(std::string_view model, std::string_view label, std::uint64_t version);
  outcome remove_label(std::string_view model, std::string_view label);

  void rescan();  // reads the repository now (also done on inotify events and every rescan_interval)
  void tick();    // retries and idle TTL now (the housekeeping thread calls it; tests with a manual clock too)

  // Readiness: every required model has a published, warmed version.
  bool ready() const;
  std::vector<std::string> not_ready() const;  // one reason per required model that is not ready
  // Waits until the version is in state `s`, or `timeout` passes (real time). For tests and tools.
  bool wait_for_state(std::string_view model, std::uint64_t version, version_state s, std::chrono::milliseconds timeout);
  bool wait_ready(std::chrono::milliseconds timeout, std::stop_token stop = {});
  // A required model failed deterministically with nothing serving: readiness cannot come by waiting.
  std::optional<std::string> blocked() const;

  std::optional<version_state> state(std::string_view model, std::uint64_t version) const;
  std::string reason(std::string_view model, std::uint64_t version) const;
  std::uint64_t used_bytes() const;      // loaded (measured) + being loaded (estimated)
  std::uint64_t live_versions() const;   // loaded versions not yet destroyed
  std::uint64_t unloads() const;         // versions destroyed (by their load thread, or the reaper at stop)

  nlohmann::json list() const;                        // every model with its serving version and labels
  std::optional<nlohmann::json> show(std::string_view model) const;  // versions, states, stats, manifest
  nlohmann::json transitions(std::size_t limit = 100) const;          // newest last

  const manager_options& options() const noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace lifespan::models
