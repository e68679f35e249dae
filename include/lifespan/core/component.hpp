#pragma once
// What a component is: a name in the graph plus lifecycle hooks the runtime calls in a fixed order.
//
// Order of calls for one instance (each hook on a runtime worker thread; stop never overlaps another
// hook of the same instance, while health checks, reload and drain may overlap each other):
//   construct (cheap, no I/O) -> start -> [check_health ...] -> [reload ...] -> drain -> stop -> destroy
// - start is called once every required dependency is up. It completes by returning (up), by
//   throwing (failed), or asynchronously through ctx.defer().
// - stop is called exactly once for every instance whose start was called, including a start that
//   failed or timed out, and only after every component depending on this one has stopped. When start
//   ignores its stop token past the stop deadline, stop is called anyway (then concurrently), so that
//   resources can still be released: stop must be safe after a partial start.
// - A background or ready-gating component whose start fails is stopped, destroyed and retried as a
//   fresh instance after a backoff.
#include <exception>
#include <stdexcept>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lifespan/config/config.hpp"
#include "lifespan/core/clock.hpp"
#include "lifespan/core/detail/slot.hpp"
#include "lifespan/core/handle.hpp"
#include "lifespan/core/state.hpp"

namespace lifespan {

namespace detail {
class runtime;
struct node;
struct completion_state;
}  // namespace detail

struct health_report {
  health_status status = health_status::ok;
  std::string reason;

  static health_report ok() { return {}; }
  static health_report degraded(std::string why) { return {health_status::degraded, std::move(why)}; }
  static health_report failed(std::string why) { return {health_status::failed, std::move(why)}; }
};

// Thrown by a component that is up but cannot serve this call now (its database is unreachable while
// it reconnects, say). The HTTP server answers such a failure with 503, Retry-After and a JSON body
// naming the component, as it does for a required component that is not up. what(): the reason.
class component_unavailable : public std::runtime_error {
 public:
  component_unavailable(std::string component, const std::string& reason)
      : std::runtime_error(reason), component_(std::move(component)) {}
  const std::string& component() const noexcept { return component_; }

 private:
  std::string component_;
};

// Completes an asynchronous start from any thread. The first call wins; later calls do nothing, and
// so does a call after the runtime has given up on this start (timeout, cancellation) or is gone.
class start_completion {
 public:
  start_completion() = default;
  void succeed() const;
  void fail(std::string reason) const;

 private:
  friend class context;
  explicit start_completion(std::shared_ptr<detail::completion_state> s) : state_(std::move(s)) {}
  std::shared_ptr<detail::completion_state> state_;
};

// A component's view of the runtime: its declared dependencies, its stop token, its completion.
// Lives as long as the service; a component may keep a reference to it.
class context {
 public:
  const std::string& name() const noexcept;
  // Signalled on start timeout, on a critical failure elsewhere during startup, and on shutdown.
  // Its state is made when first asked for in an attempt (so it may throw std::bad_alloc).
  std::stop_token stop_token() const;

  // A declared required dependency of type T (by type, or by name). Asking for anything not declared
  // with depends_on() throws std::logic_error naming both components and the fix.
  template <class T> T& get() const {
    const void* key = detail::type_key_of<T>();
    for (auto* d = required_begin_; d != required_end_; ++d)  // inline: a few compares, one load
      if (d->first == key) return *static_cast<T*>(d->second->typed.load(std::memory_order_acquire));
    return *static_cast<T*>(required(key, {}));  // not declared: throws, naming the fix
  }
  template <class T> T& get(std::string_view name) const {
    return *static_cast<T*>(required(detail::type_key_of<T>(), name));
  }
  // A declared optional dependency: a handle that is null while the dependency is not usable.
  template <class T> handle<T> optional() const { return handle<T>(optional_slot(detail::type_key_of<T>(), {})); }
  template <class T> handle<T> optional(std::string_view name) const {
    return handle<T>(optional_slot(detail::type_key_of<T>(), name));
  }

  // Makes this start asynchronous: returning from start() no longer means "up"; the component is up
  // when the completion succeeds and start() has returned (a completion that arrives while start()
  // is still running takes effect when it returns). Call at most once per start, in start() and on
  // its thread (elsewhere it throws std::logic_error); the completion may be used from any thread.
  start_completion defer();

 private:
  friend class detail::runtime;
  friend struct detail::node;
  void* required(const void* type, std::string_view name) const;
  const detail::slot* optional_slot(const void* type, std::string_view name) const;
  detail::node* node_ = nullptr;
  // (type, slot) of each required dependency: a range of one array owned by the runtime, set before start.
  const std::pair<const void*, const detail::slot*>* required_begin_ = nullptr;
  const std::pair<const void*, const detail::slot*>* required_end_ = nullptr;
};

class component {
 public:
  virtual ~component() = default;

  virtual void start(context& ctx) = 0;
  // Stop taking new work; called on every running component, in parallel, before any stop().
  virtual void drain(time_point deadline) { (void)deadline; }
  virtual void stop(time_point deadline) { (void)deadline; }
  // Runs on its own schedule with its own timeout, never on a request path. nullopt means "this
  // component has no health check" and ends the schedule.
  virtual std::optional<health_report> check_health(std::stop_token cancel) {
    (void)cancel;
    return std::nullopt;
  }
  // New configuration on SIGHUP, already validated. Return false when this component cannot apply it
  // without a restart (the runtime then reports that); throw to reject it.
  virtual bool reload(config::section& section) {
    (void)section;
    return false;
  }
};

}  // namespace lifespan
