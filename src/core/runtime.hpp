#pragma once
// The runtime: drives one run of a validated graph through startup, serving and shutdown.
//
// Threading: every lifecycle decision is taken by the supervisor (the thread inside run(), or a hook
// worker lending a hand while it sleeps: loop.hpp), by
// tasks posted to `loop_`. Hooks run on `pool_`; their outcomes come back as posted tasks. Readers on
// other threads see only atomics (`slot`, `state_`, `ready_`) and the `shown` copies under their mutex.
//
// Invariants (tested by the property tests):
//  - start of a component is called only while every required dependency is usable;
//  - stop is called exactly once per instance whose start was called, and only after every dependent
//    (required or optional) that had an instance has finished stopping;
//  - readiness is never reported once shutdown has begun.
#include <atomic>
#include <deque>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "hook_pool.hpp"
#include "lifespan/core/events.hpp"
#include "lifespan/core/status.hpp"
#include "lifespan/core/timeline.hpp"
#include "lifespan/graph/graph.hpp"
#include "loop.hpp"
#include "node.hpp"
#include "settings.hpp"

namespace lifespan::detail {

class runtime {
 public:
  runtime(const std::deque<registration>& registrations, std::vector<component_settings> settings,
          const graph::resolved& graph, runtime_settings runtime_settings,
          std::shared_ptr<lifespan::clock> clock, std::vector<event_listener> listeners);
  ~runtime();

  int run();  // blocking; once per runtime

  // Any thread.
  void request_shutdown(int exit_code);
  void post(std::function<void()> task) { loop_->post(std::move(task)); }
  const std::shared_ptr<loop>& supervisor_loop() const noexcept { return loop_; }
  void* use(node& n, std::chrono::milliseconds wait);
  node* find(const void* type, std::string_view name);
  service_state state() const noexcept { return state_.load(std::memory_order_acquire); }
  // stopping_ is checked too: update_service_state() may store a readiness it computed just before a
  // concurrent request_shutdown(), for an instant, before it re-checks; never report that.
  bool ready() const noexcept {
    return ready_.load(std::memory_order_acquire) && !stopping_.load(std::memory_order_acquire);
  }
  bool degraded() const noexcept { return troubled_count_.load(std::memory_order_relaxed) > 0; }
  service_status status() const;
  lifespan::timeline timeline() const;

  // Supervisor thread: applies a validated configuration to every usable component that supports it.
  // `started_with` is the document the service started on: a component that cannot reload is
  // reported only when its section differs from it (it runs on that section until restarted).
  void reload_components(std::shared_ptr<config::document> doc, std::shared_ptr<const config::document> started_with,
                         std::vector<std::string> errors);
  void emit(event_kind kind, const node* n, std::string detail = {}, duration took = {}, int attempt = 0) {
    emit_at(loop_->now(), kind, n, std::move(detail), took, attempt);
  }
  void emit_at(time_point at, event_kind kind, const node* n, std::string detail = {}, duration took = {}, int attempt = 0);
  // reload.cpp: reload_finished with the components that applied it and what was not applied.
  void emit_reload_finished(std::vector<std::string> applied, std::vector<std::string> not_applied);

 private:
  friend struct completion_state;  // delivers an asynchronous start's outcome
  // startup.cpp
  void begin_startup();
  // When a component's required dependencies became usable: for its timeline entry.
  struct readiness {
    duration at{};
    const node* blocker = nullptr;  // the dependency that came up last; none for a root
  };
  bool startable(const node& n) const;
  void try_start(node& n) {
    if (startable(n)) start_attempt(n, nullptr);
  }
  // Records `ready` in the timeline and starts the component if it should start now (one lock for both).
  void became_ready(node& n, const readiness& ready);
  void start_attempt(node& n, const readiness* ready);
  void on_start_completed(node& n, int attempt, bool ok, std::string reason);
  void on_start_hook_returned(node& n, int attempt);
  void side_hook_returned(node& n, int attempt);
  void on_start_timeout(node& n, int attempt);
  void mark_up(node& n);
  void start_failed(node& n, std::string reason);
  // Counts a ready-gating or background component as done with startup (up, failed, or blocked behind
  // a failure), once.
  void settle(node& n);
  void settle_dependents(node& n);
  void schedule_retry(node& n);
  void request_lazy(node& n);
  void update_service_state();
  void on_startup_deadline();
  void log_progress();
  std::string describe_pending() const;
  void warn_about_budgets();

  // shutdown.cpp
  void on_shutdown_request(int exit_code, int count);
  void begin_shutdown(int exit_code, bool aborting, std::string reason);
  void phase_readiness_delay();
  void phase_drain();
  void phase_stop();
  void end_phase(const char* name);
  void stop_node(node& n, std::function<void()> then);
  void on_stopped_in_phase(node& n);  // phase_stop: releases the dependencies waiting only for n
  void call_stop_hook(node& n);
  void finish_stop(node& n, std::string error, bool abandoned);

  // health.cpp
  void schedule_health(node& n);
  void run_health_check(node& n);
  void apply_health(node& n, const health_report& report, duration latency);

  // runtime.cpp
  void set_state(node& n, component_state s, std::string reason = {}) {
    set_state(n, s, std::move(reason), loop_->now(), [](node&) {});
  }
  // The same at `at` (the transition's one reading of the clock), and `also(n)` changes the node's
  // shown copies (status, timeline entry) under the same lock as the state: one lock per transition,
  // and readers see the state with its times. Waiters in use() are woken only if there are any.
  template <class Also>
  void set_state(node& n, component_state s, std::string reason, time_point at, Also&& also) {
    const component_state old = n.state();
    const bool changed = old != s || !reason.empty();
    if (changed) count_transition(n, old, s);
    {
      std::lock_guard lock(n.shown_mutex);
      if (changed) show_state(n, old, s, std::move(reason), at);
      also(n);
    }
    if (changed && waiters_.load() > 0) n.changed.notify_all();
  }
  // shown_mutex held: marks the current attempt cancelled and gives its stop_source (if a hook asked
  // for one), on which the caller requests stop once the lock is released: stop callbacks run there.
  static std::stop_source take_cancel(node& n) {
    n.cancel_requested = true;
    return n.cancel;
  }
  void cancel_attempt(node& n) {
    std::stop_source cancel{std::nostopstate};
    {
      std::lock_guard lock(n.shown_mutex);
      cancel = take_cancel(n);
    }
    cancel.request_stop();
  }
  void count_transition(node& n, component_state old, component_state s);  // the supervisor's counters
  void show_state(node& n, component_state old, component_state s, std::string reason, time_point at);  // shown_mutex held
  void set_service_state(service_state s);
  duration since_origin() const { return loop_->now() - origin_; }
  // Changes the node's timeline entry under its shown_mutex (a template: called per start and stop).
  template <class Change>
  void update_line(node& n, Change&& change) {
    std::lock_guard lock(n.shown_mutex);
    change(n.line);
  }

  std::shared_ptr<lifespan::clock> clock_;
  std::shared_ptr<loop> loop_;
  runtime_settings settings_;
  // Every node in one allocation; nodes_ points into it, in declaration order. Edge lists of all nodes
  // share edges_ (required, required_by, optional, dependents), typed_edges_ backs each context.
  std::unique_ptr<node[]> storage_;
  std::vector<node*> nodes_;
  std::vector<node*> edges_;
  std::vector<std::pair<const void*, const slot*>> typed_edges_;
  std::vector<node*> order_;  // topological
  std::shared_ptr<completion_state[]> first_completions_;  // by node index: each node's first attempt
  std::vector<event_listener> listeners_;
  std::unique_ptr<hook_pool> pool_;
  std::mt19937_64 random_{std::random_device{}()};

  std::atomic<service_state> state_{service_state::uninitialized};
  std::atomic<bool> ready_{false};
  std::atomic<bool> stopping_{false};
  std::atomic<int> shutdown_requests_{0};
  std::atomic<int> troubled_count_{0};  // components degraded or failed
  // Threads waiting in use() (counted under the node's shown_mutex). A state change notifies only
  // when there are any, and shutdown wakes them only then: the increment (before the waiter checks
  // stopping_) and stopping_'s store (before the notifier reads the count) are sequentially
  // consistent, so one side always sees the other.
  std::atomic<int> waiters_{0};

  // Supervisor thread only.
  time_point origin_{};
  std::size_t critical_pending_ = 0;  // effective-critical components not usable
  std::size_t ready_pending_ = 0;     // effective ready-gating components not usable
  std::size_t unsettled_ = 0;         // ready-gating and background components never up nor failed
  bool shutting_down_ = false;
  bool aborting_ = false;
  bool finished_ = false;
  bool stop_timed_out_ = false;
  int exit_code_ = 0;
  loop::timer_id deadline_timer_ = 0, progress_timer_ = 0, phase_timer_ = 0;
  enum class phase : std::uint8_t { none, readiness_delay, drain, stop } phase_ = phase::none;
  time_point phase_began_{};
  std::size_t drains_pending_ = 0;
  std::size_t stops_pending_ = 0;
  std::uint64_t drain_generation_ = 0;

  mutable std::mutex times_mutex_;  // ready_after_, running_after_
  std::optional<duration> ready_after_, running_after_;
};

}  // namespace lifespan::detail
