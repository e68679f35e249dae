// Shutdown: readiness off -> readiness delay -> drain -> stop components in reverse dependency order.
// Rollback after a failed startup is the same pipeline without the delay and the drain.
#include <fmt/format.h>

#include "lifespan/config/duration.hpp"
#include "runtime.hpp"

namespace lifespan::detail {
void runtime::on_shutdown_request(int exit_code, int count) {
  if (!shutting_down_) {
    begin_shutdown(exit_code, false, {});
    return;
  }
  if (count < 2 || finished_) return;
  // A second request: skip what is left of the delay and stop waiting for the drain.
  emit(event_kind::warning, nullptr, "second shutdown request: skipping the remaining readiness delay and drain");
  if (phase_ == phase::readiness_delay || phase_ == phase::drain) {
    loop_->cancel(phase_timer_);
    ++drain_generation_;  // late drain results are ignored
    if (phase_ == phase::readiness_delay) {
      end_phase("readiness_delay");
      phase_drain();
    } else {
      end_phase("drain");
      phase_stop();
    }
  }
}

void runtime::begin_shutdown(int exit_code, bool aborting, std::string reason) {
  if (shutting_down_) return;
  const auto before = state();
  const bool was_serving = before == service_state::ready || before == service_state::starting || before == service_state::running;
  shutting_down_ = true;
  aborting_ = aborting;
  exit_code_ = exit_code;
  stopping_.store(true);  // sequentially consistent: see waiters_
  ready_.store(false, std::memory_order_release);
  loop_->cancel(deadline_timer_);
  loop_->cancel(progress_timer_);
  if (!reason.empty()) emit(event_kind::warning, nullptr, reason);
  set_service_state(aborting ? service_state::error : service_state::stopping);
  const bool wake = waiters_.load() > 0;  // see waiters_
  for (auto& n : nodes_) {
    loop_->cancel(n->retry_timer);
    loop_->cancel(n->health_timer);
    if (n->starting) cancel_attempt(*n);  // in-flight starts are cancelled through their tokens
    if (!wake) continue;
    std::lock_guard lock(n->shown_mutex);
    n->changed.notify_all();
  }
  if (aborting || !was_serving) {
    phase_stop();
  } else {
    phase_readiness_delay();
  }
}

void runtime::end_phase(const char* name) {
  emit(event_kind::shutdown_phase, nullptr, name, loop_->now() - phase_began_);
}

void runtime::phase_readiness_delay() {
  phase_ = phase::readiness_delay;
  phase_began_ = loop_->now();
  if (settings_.readiness_delay <= duration::zero()) {
    end_phase("readiness_delay");
    phase_drain();
    return;
  }
  phase_timer_ = loop_->after(settings_.readiness_delay, [this] {
    phase_timer_ = 0;
    end_phase("readiness_delay");
    phase_drain();
  });
}

void runtime::phase_drain() {
  phase_ = phase::drain;
  phase_began_ = loop_->now();
  const auto generation = ++drain_generation_;
  const time_point deadline = loop_->now() + settings_.drain_timeout;
  std::weak_ptr<loop> owner = loop_;
  drains_pending_ = 0;
  for (auto* n : order_) {
    if (!n->current.object || !is_usable(n->state()) || !n->reg->hooks.drain) continue;
    ++drains_pending_;
    ++n->side_hooks;
    pool_->submit([this, owner, generation, deadline, n, attempt = n->attempt, object = n->current.object]() mutable {
      try {
        object->drain(deadline);
      } catch (...) {
        // A failing drain must not stop the sequence; stop() still follows.
      }
      object.reset();  // see live_instance
      if (auto l = owner.lock())
        l->post_after_hook([this, generation, deadline, n, attempt] {
          side_hook_returned(*n, attempt);
          if (generation != drain_generation_) return;
          // A drain that gives up at its deadline returns at the moment the timeout fires: whichever
          // the supervisor sees first, the shutdown timed out.
          if (loop_->now() >= deadline) stop_timed_out_ = true;
          if (--drains_pending_ != 0) return;
          loop_->cancel(phase_timer_);
          end_phase("drain");
          phase_stop();
        });
    });
  }
  if (drains_pending_ == 0) {
    end_phase("drain");
    phase_stop();
    return;
  }
  phase_timer_ = loop_->at(deadline, [this] {
    phase_timer_ = 0;
    ++drain_generation_;
    stop_timed_out_ = true;
    for (std::size_t i = 0; i < drains_pending_; ++i) pool_->abandon_one();
    emit(event_kind::warning, nullptr,
         fmt::format("drain did not finish within shutdown.drain_timeout {}; stopping anyway", format(settings_.drain_timeout)));
    end_phase("drain");
    phase_stop();
  });
}

void runtime::phase_stop() {
  phase_ = phase::stop;
  phase_began_ = loop_->now();
  std::vector<node*> active;
  for (auto* n : order_)
    if (n->current.object) active.push_back(n);
  for (auto* n : active) {
    n->dependents_running = 0;
    for (auto* d : n->dependents)
      if (d->current.object) ++n->dependents_running;
  }
  stops_pending_ = active.size();
  if (active.empty()) {
    end_phase("stop");
    if (!aborting_) set_service_state(service_state::stopped);
    finished_ = true;
    return;
  }
  // Each finished stop releases the dependencies that were waiting only for it. A released dependency
  // is stopped even if it no longer has an instance (a failed start whose own stop finished meanwhile):
  // stop_node() then reports it stopped at once, which releases its own dependencies in turn and
  // counts it in stops_pending_. Skipping it would leave its dependencies and run() waiting forever.
  for (auto* n : active)
    if (n->dependents_running == 0) stop_node(*n, [this, n] { on_stopped_in_phase(*n); });
}

void runtime::on_stopped_in_phase(node& n) {
  const auto release = [this](node* dep) {
    if (dep->dependents_running > 0 && --dep->dependents_running == 0)
      stop_node(*dep, [this, dep] { on_stopped_in_phase(*dep); });
  };
  for (auto* r : n.required) release(r);
  for (auto* o : n.optional) release(o);
  if (--stops_pending_ == 0) {
    end_phase("stop");
    if (!aborting_) set_service_state(service_state::stopped);
    finished_ = true;
  }
}

void runtime::stop_node(node& n, std::function<void()> then) {
  if (!n.current.object) {
    then();
    return;
  }
  if (!n.after_stop) {
    n.after_stop = std::move(then);
  } else {
    n.after_stop_more.push_back(std::move(then));
  }
  if (n.stopping != stop_progress::idle) return;  // already stopping: join it
  loop_->cancel(n.start_timer);
  loop_->cancel(n.health_timer);
  loop_->cancel(n.health_deadline);
  if (n.starting) {  // an asynchronous or still-running start: disown it
    n.completion->settled.store(true);
    n.starting = false;
    update_line(n, [](timeline_entry& e) { e.error = "start cancelled by shutdown"; });
  }
  const time_point now = loop_->now();
  n.stop_began = now;
  std::stop_source cancel{std::nostopstate};  // the attempt's, requested once the lock is released
  if (shutting_down_) {
    set_state(n, component_state::stopping, {}, now, [&](node& m) { cancel = take_cancel(m); });
  } else {
    std::lock_guard lock(n.shown_mutex);
    cancel = take_cancel(n);
  }
  cancel.request_stop();
  if (n.start_hook_running || n.side_hooks > 0) {
    // Hooks of one instance never overlap (component.hpp): give start() the stop budget to notice its
    // stop token, and a health check, reload or drain still running the same budget to return; stop()
    // follows either way.
    n.stopping = stop_progress::waiting_for_start;
    n.stop_timer = loop_->after(n.settings.timeouts.stop, [this, &n] {
      n.stop_timer = 0;
      pool_->abandon_one();
      // A health check, reload or drain that outlived the budget makes the stop a timed-out one (exit
      // 3). An abandoned start() does not: its instance never came up, so nothing it held is lost,
      // and an operator stop while a start hangs (a database connect to a silent host during
      // INITIALIZING) ends STOPPED with the requested exit code. The warning below still names it.
      if (shutting_down_ && !n.start_hook_running) stop_timed_out_ = true;
      emit(event_kind::warning, &n,
           fmt::format("{} still running {} after stop was requested; abandoned, stopping anyway",
                       n.start_hook_running ? "start()" : "a health check, reload or drain", format(n.settings.timeouts.stop)));
      call_stop_hook(n);
    });
  } else {
    call_stop_hook(n);
  }
  if (shutting_down_) emit_at(now, event_kind::component_stopping, &n);  // after the stop timer is armed
}

void runtime::call_stop_hook(node& n) {
  loop_->cancel(n.stop_timer);
  n.stopping = stop_progress::stopping;
  if (!n.reg->hooks.stop && !n.start_hook_running) {
    // Nothing to run, so no round trip to the pool; deferred rather than called, so that a long chain
    // of such stops does not recurse through finish_stop's continuations.
    loop_->defer([this, &n] {
      if (n.stopping == stop_progress::stopping) finish_stop(n, {}, false);
    });
    return;
  }
  const time_point deadline = loop_->now() + n.settings.timeouts.stop;
  n.stop_timer = loop_->at(deadline, [this, &n] {
    n.stop_timer = 0;
    pool_->abandon_one();
    stop_timed_out_ = true;
    finish_stop(n, fmt::format("stop timed out after {}", format(n.settings.timeouts.stop)), true);
  });
  std::weak_ptr<loop> owner = loop_;
  const int attempt = n.attempt;
  pool_->submit([this, &n, owner, deadline, attempt, object = n.current.object]() mutable {
    std::string error;
    try {
      object->stop(deadline);
    } catch (const std::exception& e) {
      error = fmt::format("stop threw: {}", e.what());
    } catch (...) {
      error = "stop threw a non-standard exception";
    }
    object.reset();  // see live_instance
    if (auto l = owner.lock())
      l->post_after_hook([this, &n, attempt, deadline, error = std::move(error)]() mutable {
        if (attempt != n.attempt || n.stopping != stop_progress::stopping) return;
        if (error.empty() && loop_->now() >= deadline) {  // the same race as a drain at its deadline
          stop_timed_out_ = true;
          error = fmt::format("stop returned at its deadline ({})", format(n.settings.timeouts.stop));
        }
        finish_stop(n, std::move(error), false);
      });
  });
}

void runtime::finish_stop(node& n, std::string error, bool abandoned) {
  loop_->cancel(n.stop_timer);
  (void)abandoned;  // an abandoned hook keeps the instance alive by itself (see live_instance)
  const time_point now = loop_->now();
  const auto took = now - n.stop_began;
  n.stopping = stop_progress::idle;
  if (shutting_down_) set_state(n, component_state::stopped, {}, now, [&](node& m) { m.line.stopped_at = now - origin_; });
  n.pub.typed.store(nullptr, std::memory_order_relaxed);
  n.current = {};
  n.start_hook_running = false;
  n.side_hooks = 0;  // any still running were abandoned by the stop timeout
  if (shutting_down_) emit_at(now, event_kind::component_stopped, &n, error, took, n.attempt);
  else if (!error.empty()) emit(event_kind::warning, &n, error);
  auto first = std::move(n.after_stop);
  n.after_stop = nullptr;
  auto more = std::move(n.after_stop_more);
  n.after_stop_more.clear();
  if (first) first();
  for (auto& c : more) c();
}

}  // namespace lifespan::detail
