#pragma once
// The runtime's record of one component. Fields are owned by the supervisor role, except `slot`
// (atomics, read by anyone) and `shown` (a copy for status readers, under `shown_mutex`).
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <stop_token>
#include <string>
#include <vector>

#include "lifespan/core/component.hpp"
#include "lifespan/core/detail/registration.hpp"
#include "lifespan/core/status.hpp"
#include "lifespan/core/timeline.hpp"
#include "loop.hpp"
#include "settings.hpp"

namespace lifespan::detail {

class runtime;

// One start attempt, shared by the runtime, the start hook and (through defer()) the component: lets
// the component complete it from any thread, and lets the runtime disown it (timeout, cancellation)
// so that a late completion does nothing. The first attempt of every component uses a state from one
// array made at setup (runtime::first_completions_), so a start allocates nothing of its own; a retry
// makes a fresh one, so that a late completion of the previous attempt cannot settle it.
struct completion_state {
  std::weak_ptr<loop> owner;
  runtime* rt = nullptr;  // delivered to rt->on_start_completed(*n, attempt, ...) with the supervisor role
  node* n = nullptr;
  int attempt = 0;
  std::atomic<bool> settled{false};
  std::atomic<bool> deferred{false};  // start() called context::defer()
  // Set by the supervisor before the start hook is submitted, then the start hook's alone: `object`
  // is the instance the hook runs start() on (see live_instance) and `self` the hook's reference to
  // this state, which it takes over first thing. The hook itself captures only a plain pointer, so
  // that it fits in std::function's inline buffer (no allocation per start).
  std::shared_ptr<component> object;
  std::shared_ptr<completion_state> self;

  void complete(bool ok, std::string reason);
};

// The start in progress on this thread, set by the start hook around start(): context::defer() binds
// to it, never to node::completion, which the supervisor replaces when a retry begins while an
// abandoned attempt's start() is still running.
inline thread_local const std::shared_ptr<completion_state>* running_start = nullptr;
struct running_start_scope {
  explicit running_start_scope(const std::shared_ptr<completion_state>& c) noexcept { running_start = &c; }
  ~running_start_scope() { running_start = nullptr; }
  running_start_scope(const running_start_scope&) = delete;
  running_start_scope& operator=(const running_start_scope&) = delete;
};

enum class stop_progress : std::uint8_t { idle, waiting_for_start, stopping, done };

// The live instance of a component. Ownership is shared with the hooks running on it: each hook holds
// a reference while it runs, so an instance whose hook the runtime abandoned (start, drain, stop or a
// health check past its deadline) is destroyed when that hook finally returns, on the hook's thread,
// instead of being freed under it. A hook drops its reference before reporting back, so an instance
// whose hooks all returned is destroyed by the supervisor, when the runtime lets go of it.
struct live_instance {
  std::shared_ptr<component> object;
  void* typed = nullptr;  // the same object as the registered type T*
};

struct node {
  std::size_t index = 0;
  const registration* reg = nullptr;  // owned by the service, which outlives the runtime
  component_settings settings;
  criticality effective = criticality::critical;
  // Edges, as views into one array owned by the runtime (sized once, from the resolved graph).
  std::span<node* const> required;
  std::span<node* const> optional;
  std::span<node* const> dependents;   // required or optional
  std::span<node* const> required_by;  // required only; longest chain first, then in declaration order
  // The longest chain of required edges through this component, in components: its deepest chain of
  // dependencies, itself, and the longest chain of dependents waiting on it. Components on the
  // graph's longest chain share the highest value. Starts are
  // handed to the hook pool in this order, and queued by it (hook_pool::submit's priority), so the
  // component most likely on the critical path goes first: to the thread that needs no wake-up, and
  // ahead of starts queued earlier while threads are scarce.
  std::size_t chain = 1;
  runtime* owner = nullptr;

  slot pub;
  context ctx;

  // --- supervisor role only ---
  live_instance current;           // the live instance, if any
  std::shared_ptr<completion_state> completion;
  int attempt = 0;
  int consecutive_failures = 0;
  std::size_t required_pending = 0;   // required dependencies not yet usable
  bool requested = false;             // lazy: somebody asked for it
  bool start_hook_running = false;
  std::size_t side_hooks = 0;         // health checks, reloads and drains running on the current instance
  bool starting = false;              // between start() called and up/failed
  bool up_when_returned = false;      // completed through defer() before start() returned
  bool settled = false;               // came up or failed at least once
  bool health_in_flight = false;
  bool health_disabled = false;     // check_health() said it has no check
  std::uint64_t health_generation = 0;
  loop::timer_id health_deadline = 0;
  int hook_attempt = 0;             // attempt whose start hook is running
  stop_progress stopping = stop_progress::idle;
  // Continuations of the stop in progress, run in order once it finishes: usually exactly one, kept
  // inline; any further ones join in after_stop_more.
  std::function<void()> after_stop;
  std::vector<std::function<void()>> after_stop_more;
  std::size_t dependents_running = 0;  // shutdown ordering
  loop::timer_id start_timer = 0, retry_timer = 0, health_timer = 0, stop_timer = 0;
  time_point attempt_started{};
  time_point stop_began{};

  // --- copies for readers, under shown_mutex ---
  mutable std::mutex shown_mutex;
  std::condition_variable changed;  // lazy users wait on it
  component_status shown;
  timeline_entry line;              // times relative to the runtime's origin; name and blocked_by
                                    // are filled in by timeline(), so that setup and starts copy no names
  const node* blocked_by = nullptr; // line.blocked_by, as the dependency's node
  int failures_seen = 0;            // lets lazy users tell "failed since I asked"
  // The current attempt's cancellation. Made only when a hook asks for its token
  // (context::stop_token()): most never do, and a stop_source allocates. `cancel_requested` says the
  // attempt was cancelled, so that a token asked for afterwards is already stopped.
  std::stop_source cancel{std::nostopstate};
  bool cancel_requested = false;

  const std::string& name() const noexcept { return reg->decl.name; }
  component_state state() const noexcept { return pub.state.load(std::memory_order_relaxed); }
};

}  // namespace lifespan::detail
