// Startup: the parallel walk along the graph, timeouts, failures, retries and lazy starts.
#include <algorithm>
#include <optional>
#include <utility>

#include <fmt/format.h>

#include "lifespan/config/duration.hpp"
#include "runtime.hpp"

namespace lifespan::detail {
namespace {

bool started_eagerly(const node& n) { return n.effective != criticality::lazy; }

}  // namespace

void runtime::begin_startup() {
  for (auto* n : order_) {
    n->required_pending = n->required.size();
    if (n->effective == criticality::critical) ++critical_pending_;
    if (n->effective == criticality::ready) ++ready_pending_;
    if (n->effective == criticality::ready || n->effective == criticality::background) ++unsettled_;
  }
  origin_ = loop_->now();  // the timeline's zero: INITIALIZING, announced next
  set_service_state(service_state::initializing);
  deadline_timer_ = loop_->after(settings_.startup_deadline, [this] { on_startup_deadline(); });
  progress_timer_ = loop_->after(settings_.progress_interval, [this] { log_progress(); });
  std::vector<node*> roots;  // longest chain first (node::chain), then in topological order
  for (auto* n : order_)
    if (n->required_pending == 0 && started_eagerly(*n)) roots.push_back(n);
  std::stable_sort(roots.begin(), roots.end(), [](const node* a, const node* b) { return a->chain > b->chain; });
  for (auto* n : roots) became_ready(*n, {});
  warn_about_budgets();  // a walk over the whole graph: after the first starts are on their way
  update_service_state();
}

bool runtime::startable(const node& n) const {
  if (shutting_down_ || n.required_pending != 0 || n.starting || n.current.object || n.retry_timer != 0) return false;
  if (!started_eagerly(n) && !n.requested) return false;
  return n.stopping == stop_progress::idle && !is_usable(n.state());
}

void runtime::became_ready(node& n, const readiness& ready) {
  if (startable(n)) {
    start_attempt(n, &ready);
    return;
  }
  std::lock_guard lock(n.shown_mutex);
  n.line.ready_at = ready.at;
  n.blocked_by = ready.blocker;
}

void runtime::start_attempt(node& n, const readiness* ready) {
  const int attempt = ++n.attempt;
  n.starting = true;
  n.up_when_returned = false;
  const time_point now = loop_->now();  // the one reading of the clock for this transition
  n.attempt_started = now;
  set_state(n, component_state::starting, {}, now, [&](node& m) {
    m.cancel = std::stop_source(std::nostopstate);  // a fresh one if a hook asks (context::stop_token())
    m.cancel_requested = false;
    if (ready) {
      m.line.ready_at = ready->at;
      m.blocked_by = ready->blocker;
    }
    if (!m.line.started_at) m.line.started_at = now - origin_;
    m.line.attempts = attempt;
    m.shown.attempts = attempt;
  });

  try {
    instance made = n.reg->make();
    n.current = {std::move(made.object), made.typed};
  } catch (const std::exception& e) {
    n.starting = false;
    start_failed(n, fmt::format("constructor threw: {}", e.what()));
    return;
  }
  n.pub.typed.store(n.current.typed, std::memory_order_relaxed);

  // The first attempt's state was made at setup; a retry's is fresh (see completion_state).
  auto completion = attempt == 1 ? std::shared_ptr<completion_state>(first_completions_, &first_completions_[n.index])
                                 : std::make_shared<completion_state>();
  completion->owner = loop_;
  completion->rt = this;
  completion->n = &n;
  completion->attempt = attempt;
  completion->object = n.current.object;
  completion->self = completion;
  n.completion = std::move(completion);
  // Captures kept within std::function's inline buffer (16 bytes): no allocation per timer.
  n.start_timer = loop_->at(now + n.settings.timeouts.start, [&n, attempt] { n.owner->on_start_timeout(n, attempt); });
  n.start_hook_running = true;
  n.hook_attempt = attempt;

  pool_->submit([c = n.completion.get()] {
    const auto completion = std::move(c->self);  // keeps the state alive until the hook is done
    node& n = *c->n;
    const int attempt = c->attempt;
    // A synchronous outcome travels with the "hook returned" notice: one post instead of two.
    std::optional<std::string> failure;
    {
      const running_start_scope scope(completion);
      try {
        c->object->start(n.ctx);
      } catch (const std::exception& e) {
        failure = e.what();
      } catch (...) {
        failure = "start threw a non-standard exception";
      }
    }
    c->object.reset();  // see live_instance
    const bool deferred = c->deferred.load(std::memory_order_acquire);
    if (deferred && failure) c->complete(false, *failure);  // threw after deferring
    const bool settle_here = !deferred && !c->settled.exchange(true);
    if (auto l = c->owner.lock()) {
      if (!failure) {  // the common case, in std::function's inline buffer
        l->post_after_hook([&n, attempt, settle_here] {
          if (settle_here) n.owner->on_start_completed(n, attempt, true, {});
          n.owner->on_start_hook_returned(n, attempt);
        });
      } else {
        l->post_after_hook([&n, attempt, settle_here, failure = std::move(*failure)]() mutable {
          if (settle_here) n.owner->on_start_completed(n, attempt, false, std::move(failure));
          n.owner->on_start_hook_returned(n, attempt);
        });
      }
    }
  }, n.chain);
  // Emitted once the timeout is armed, so that whoever reacts to it (a test moving a manual clock)
  // sees a consistent runtime.
  emit_at(now, event_kind::component_starting, &n, {}, {}, attempt);
}

void runtime::on_start_completed(node& n, int attempt, bool ok, std::string reason) {
  if (attempt != n.attempt || !n.starting) return;
  if (ok && n.start_hook_running && attempt == n.hook_attempt) {
    // Completed through defer() before start() returned: up once start() returns, so that no other
    // hook of the instance (health check, reload, drain) ever overlaps it (component.hpp).
    n.up_when_returned = true;
    return;
  }
  n.starting = false;
  loop_->cancel(n.start_timer);
  if (ok) {
    mark_up(n);
  } else {
    start_failed(n, reason.empty() ? std::string("start failed") : std::move(reason));
  }
}

void runtime::on_start_hook_returned(node& n, int attempt) {
  if (attempt != n.hook_attempt) return;  // an abandoned attempt finally returned
  n.start_hook_running = false;
  if (std::exchange(n.up_when_returned, false)) on_start_completed(n, attempt, true, {});
  if (n.stopping == stop_progress::waiting_for_start && n.side_hooks == 0) call_stop_hook(n);
}

// A health check, reload or drain of attempt `attempt` returned (or was abandoned after its timeout).
// A stop waiting for the instance's hooks proceeds once the last one is done.
void runtime::side_hook_returned(node& n, int attempt) {
  if (attempt != n.attempt || n.side_hooks == 0) return;  // an earlier instance's, or its stop already gave up waiting
  if (--n.side_hooks == 0 && !n.start_hook_running && n.stopping == stop_progress::waiting_for_start) call_stop_hook(n);
}

void runtime::on_start_timeout(node& n, int attempt) {
  n.start_timer = 0;
  if (attempt != n.attempt || !n.starting) return;
  n.completion->settled.store(true);  // a late completion must not count
  n.starting = false;
  cancel_attempt(n);
  start_failed(n, fmt::format("start timed out after {}", format(n.settings.timeouts.start)));
}

void runtime::mark_up(node& n) {
  const time_point now = loop_->now();  // the one reading of the clock for this transition
  const auto took = now - n.attempt_started;
  n.consecutive_failures = 0;
  settle(n);
  set_state(n, component_state::up, {}, now, [&](node& m) {
    m.line.up_at = now - origin_;
    m.line.error.clear();
    m.shown.start_duration = took;
    m.shown.reason.clear();
  });
  schedule_health(n);
  emit_at(now, event_kind::component_up, &n, {}, took, n.attempt);
  if (n.attempt > 1) emit(event_kind::component_recovered, &n, fmt::format("up after {} attempts", n.attempt), took, n.attempt);
  for (auto* d : n.required_by) {
    if (--d->required_pending == 0) became_ready(*d, {now - origin_, &n});
  }
  update_service_state();
}

void runtime::start_failed(node& n, std::string reason) {
  ++n.consecutive_failures;
  settle(n);
  // What waits on a failed component cannot start before it recovers: startup is over for it too, so
  // that the service reaches RUNNING (degraded) instead of staying STARTING until the retry succeeds.
  settle_dependents(n);
  const time_point now = loop_->now();  // one reading, one lock: readers see the state with its times
  set_state(n, component_state::failed, reason, now, [&](node& m) {
    m.line.failed_at = now - origin_;
    m.line.error = reason;
  });
  emit_at(now, event_kind::component_failed, &n, reason, now - n.attempt_started, n.attempt);
  if (shutting_down_) return;  // shutdown stops whatever is left
  if (n.effective == criticality::critical) {
    begin_shutdown(1, true, fmt::format("critical component '{}' failed: {}", n.name(), reason));
    return;
  }
  // Release this instance (stop is owed to it), then try a fresh one after a backoff.
  stop_node(n, [this, &n] {
    if (shutting_down_) return;
    if (n.effective == criticality::lazy) {
      n.requested = false;  // the next use tries again
      return;
    }
    schedule_retry(n);
  });
  update_service_state();
}

void runtime::settle(node& n) {
  if (!n.settled && (n.effective == criticality::ready || n.effective == criticality::background)) --unsettled_;
  n.settled = true;
}

void runtime::settle_dependents(node& n) {
  for (auto* d : n.required_by) {
    if (d->settled || d->starting || d->current.object) continue;
    settle(*d);
    settle_dependents(*d);
  }
}

void runtime::schedule_retry(node& n) {
  const auto& retry = n.settings.retry;
  auto delay = retry.initial;
  for (int i = 1; i < n.consecutive_failures && delay < retry.max; ++i) delay *= 2;
  delay = std::min(delay, retry.max);
  // Equal jitter: half fixed, half random, so replicas that failed together do not retry together.
  std::uniform_int_distribution<duration::rep> half(0, delay.count() / 2);
  const duration wait = delay / 2 + duration(half(random_));
  n.retry_timer = loop_->after(wait, [this, &n] {
    n.retry_timer = 0;
    try_start(n);
  });
  emit(event_kind::warning, &n,
       fmt::format("retrying start in {} (attempt {})", format(std::chrono::duration_cast<std::chrono::milliseconds>(wait)), n.attempt + 1));
}

void runtime::request_lazy(node& n) {
  if (shutting_down_ || n.requested) return;
  n.requested = true;
  for (auto* r : n.required) request_lazy(*r);
  if (n.required_pending == 0) update_line(n, [&](timeline_entry& e) { if (!e.ready_at) e.ready_at = since_origin(); });
  try_start(n);
}

void runtime::update_service_state() {
  if (shutting_down_) return;
  // Decide the transitions first and publish readiness before announcing them, so that anyone
  // reacting to READY or RUNNING already reads the matching is_ready().
  std::vector<service_state> transitions;
  auto s = state();
  if (s == service_state::initializing && critical_pending_ == 0) {
    loop_->cancel(deadline_timer_);
    transitions = {service_state::ready, service_state::starting};
    s = service_state::starting;
  }
  if (s == service_state::starting && ready_pending_ == 0 && unsettled_ == 0) {
    loop_->cancel(progress_timer_);
    transitions.push_back(service_state::running);
    s = service_state::running;
  }
  const bool serving = s == service_state::ready || s == service_state::starting || s == service_state::running;
  ready_.store(serving && critical_pending_ == 0 && ready_pending_ == 0 && !stopping_.load());
  // request_shutdown() sets stopping_ then clears ready_ from another thread; re-checking after our
  // store means a shutdown request can never be overwritten by a readiness computed just before it.
  if (stopping_.load()) ready_.store(false);
  for (auto t : transitions) set_service_state(t);
}

void runtime::on_startup_deadline() {
  deadline_timer_ = 0;
  if (shutting_down_ || state() != service_state::initializing) return;
  begin_shutdown(1, true, fmt::format("startup deadline of {} passed; {}", format(settings_.startup_deadline), describe_pending()));
}

void runtime::log_progress() {
  progress_timer_ = 0;
  if (shutting_down_) return;
  emit(event_kind::startup_progress, nullptr, describe_pending());
  progress_timer_ = loop_->after(settings_.progress_interval, [this] { log_progress(); });
}

std::string runtime::describe_pending() const {
  std::size_t up = 0, eager = 0;
  std::vector<std::string> busy, waiting, failed;
  const auto now = loop_->now();
  for (auto* n : order_) {
    if (!started_eagerly(*n) && !n->requested) continue;
    ++eager;
    if (is_usable(n->state())) {
      ++up;
    } else if (n->starting) {
      busy.push_back(fmt::format("{} ({})", n->name(), format(now - n->attempt_started)));
    } else if (n->state() == component_state::failed) {
      failed.push_back(n->name());
    } else if (n->required_pending > 0) {
      std::vector<std::string> on;
      for (auto* r : n->required)
        if (!is_usable(r->state())) on.push_back(r->name());
      waiting.push_back(fmt::format("{} (on {})", n->name(), fmt::join(on, ", ")));
    }
  }
  std::string text = fmt::format("up {}/{}", up, eager);
  if (!busy.empty()) text += fmt::format("; starting: {}", fmt::join(busy, ", "));
  if (!waiting.empty()) text += fmt::format("; waiting: {}", fmt::join(waiting, ", "));
  if (!failed.empty()) text += fmt::format("; failed, retrying: {}", fmt::join(failed, ", "));
  return text;
}

void runtime::warn_about_budgets() {
  // The longest chain of stop timeouts, walked from dependents to dependencies.
  std::vector<duration> chain(nodes_.size());
  duration longest{};
  for (auto it = order_.rbegin(); it != order_.rend(); ++it) {
    node& n = **it;
    duration after{};
    for (auto* d : n.dependents) after = std::max(after, chain[d->index]);
    chain[n.index] = after + n.settings.timeouts.stop;
    longest = std::max(longest, chain[n.index]);
  }
  const duration total = settings_.readiness_delay + settings_.drain_timeout + longest;
  if (total > settings_.grace_period)
    emit(event_kind::warning, nullptr,
         fmt::format("shutdown budgets add up to {} (readiness_delay {} + drain_timeout {} + longest stop chain {}), "
                     "more than shutdown.grace_period {}: the orchestrator may kill the process mid-shutdown; "
                     "shorten the budgets or raise the grace period",
                     format(total), format(settings_.readiness_delay), format(settings_.drain_timeout), format(longest),
                     format(settings_.grace_period)));
}

}  // namespace lifespan::detail
