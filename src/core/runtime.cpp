#include "runtime.hpp"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

namespace lifespan::detail {

void completion_state::complete(bool ok, std::string reason) {
  if (settled.exchange(true)) return;
  if (auto l = owner.lock()) l->post([d = deliver, ok, reason = std::move(reason)]() mutable { d(ok, std::move(reason)); });
}

runtime::runtime(const std::deque<registration>& registrations, std::vector<component_settings> settings,
                 const graph::resolved& graph, runtime_settings runtime_settings,
                 std::shared_ptr<lifespan::clock> clock, std::vector<event_listener> listeners)
    : clock_(std::move(clock)),
      loop_(std::make_shared<loop>(clock_)),
      settings_(std::move(runtime_settings)),
      listeners_(std::move(listeners)),
      pool_(std::make_unique<hook_pool>(settings_.max_parallel_hooks)) {
  loop_->attach_clock();
  nodes_.reserve(registrations.size());
  for (std::size_t i = 0; i < registrations.size(); ++i) {
    auto n = std::make_unique<node>();
    n->index = i;
    n->reg = &registrations[i];
    n->settings = settings[i];
    n->effective = graph.effective[i];
    n->owner = this;
    n->ctx.node_ = n.get();
    n->shown.name = n->name();
    n->shown.criticality = n->reg->decl.criticality;
    n->line.name = n->name();
    n->line.criticality = n->reg->decl.criticality;
    nodes_.push_back(std::move(n));
  }
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    node& n = *nodes_[i];
    for (auto r : graph.required[i]) {
      n.required.push_back(nodes_[r].get());
      nodes_[r]->required_by.push_back(&n);
      n.ctx.required_by_type_.emplace_back(nodes_[r]->reg->decl.type, &nodes_[r]->pub);
    }
    for (auto o : graph.optional[i]) n.optional.push_back(nodes_[o].get());
    for (auto d : graph.dependents[i]) n.dependents.push_back(nodes_[d].get());
  }
  for (auto i : graph.order) order_.push_back(nodes_[i].get());
}

runtime::~runtime() {
  // Instances whose hooks are still running (abandoned after a timeout) hold their own reference (see
  // live_instance) and are destroyed when those hooks return. Everything else was destroyed when it stopped.
  pool_.reset();
}

int runtime::run() {
  begin_startup();
  loop_->run_until([this] { return finished_; }, [this] { pool_->flush(); });
  if (aborting_) return exit_code_ == 0 ? 1 : exit_code_;
  if (stop_timed_out_ && exit_code_ == 0) return 3;
  return exit_code_;
}

void runtime::request_shutdown(int exit_code) {
  const int count = ++shutdown_requests_;
  stopping_.store(true);
  ready_.store(false);
  for (auto& n : nodes_) {
    std::lock_guard lock(n->shown_mutex);
    n->changed.notify_all();
  }
  loop_->post([this, exit_code, count] { on_shutdown_request(exit_code, count); });
}

void runtime::emit(event_kind kind, const node* n, std::string detail, duration took, int attempt) {
  lifecycle_event e{kind, loop_->now(), n ? n->name() : std::string{}, state(), took, attempt, std::move(detail)};
  for (auto& l : listeners_) l(e);
}

void runtime::set_state(node& n, component_state s, std::string reason) {
  const component_state old = n.state();
  if (old == s && reason.empty()) return;
  const bool was_usable = is_usable(old), now_usable = is_usable(s);
  if (was_usable != now_usable) {
    const int delta = now_usable ? -1 : 1;
    if (n.effective == criticality::critical) critical_pending_ += delta;
    if (n.effective == criticality::ready) ready_pending_ += delta;
  }
  const auto troubled = [](component_state c) { return c == component_state::degraded || c == component_state::failed; };
  if (troubled(old) != troubled(s)) troubled_count_.fetch_add(troubled(s) ? 1 : -1, std::memory_order_relaxed);
  {
    std::lock_guard lock(n.shown_mutex);
    n.pub.state.store(s, std::memory_order_release);
    if (old != s) n.shown.since = loop_->now();
    n.shown.state = s;
    n.line.state = s;
    if (!reason.empty()) n.shown.reason = std::move(reason);
    if (s == component_state::failed) ++n.failures_seen;
  }
  n.changed.notify_all();
}

void runtime::set_service_state(service_state s) {
  state_.store(s, std::memory_order_release);
  if (s == service_state::ready || s == service_state::running) {
    std::lock_guard lock(times_mutex_);
    (s == service_state::ready ? ready_after_ : running_after_) = since_origin();
  }
  lifecycle_event e{event_kind::service_state_changed, loop_->now(), {}, s, since_origin(), 0, {}};
  for (auto& l : listeners_) l(e);
}

void runtime::update_line(node& n, const std::function<void(timeline_entry&)>& change) {
  std::lock_guard lock(n.shown_mutex);
  change(n.line);
}

node* runtime::find(const void* type, std::string_view name) {
  node* found = nullptr;
  for (auto& n : nodes_) {
    if (!name.empty() ? n->name() == name : n->reg->decl.type == type) {
      if (found != nullptr) return nullptr;  // ambiguous by type
      found = n.get();
    }
  }
  return found;
}

void* runtime::use(node& n, std::chrono::milliseconds wait) {
  if (n.pub.usable()) return n.pub.typed.load(std::memory_order_relaxed);
  if (stopping_.load(std::memory_order_acquire)) return nullptr;
  int failures_before = 0;
  {
    std::lock_guard lock(n.shown_mutex);
    failures_before = n.failures_seen;
  }
  loop_->post([this, &n] { request_lazy(n); });
  if (wait.count() > 0) {
    std::unique_lock lock(n.shown_mutex);
    n.changed.wait_for(lock, wait, [&] {
      return n.pub.usable() || n.failures_seen != failures_before || stopping_.load(std::memory_order_acquire);
    });
  }
  return n.pub.usable() ? n.pub.typed.load(std::memory_order_relaxed) : nullptr;
}

service_status runtime::status() const {
  service_status s;
  s.state = state();
  s.ready = ready();
  s.degraded = degraded();
  s.now = clock_->now();
  s.components.reserve(nodes_.size());
  for (auto& n : nodes_) {
    {
      std::lock_guard lock(n->shown_mutex);
      s.components.push_back(n->shown);
    }
    auto& c = s.components.back();
    if (c.state == component_state::registered)
      for (auto* r : n->required)
        if (!r->pub.usable()) c.waiting_on.push_back(r->name());
  }
  return s;
}

lifespan::timeline runtime::timeline() const {
  lifespan::timeline t;
  for (auto& n : nodes_) {
    std::lock_guard lock(n->shown_mutex);
    t.entries.push_back(n->line);
  }
  {
    std::lock_guard lock(times_mutex_);
    t.ready_after = ready_after_;
    t.running_after = running_after_;
  }
  // The critical path ends at the component that came up last and follows, backwards, the required
  // dependency that came up last before each one could start.
  std::size_t last = t.entries.size();
  for (std::size_t i = 0; i < t.entries.size(); ++i)
    if (t.entries[i].up_at && (last == t.entries.size() || *t.entries[i].up_at > *t.entries[last].up_at)) last = i;
  std::vector<std::size_t> path;
  for (std::size_t i = last; i < t.entries.size();) {
    path.push_back(i);
    t.entries[i].on_critical_path = true;
    const auto& blocker = t.entries[i].blocked_by;
    auto it = std::find_if(t.entries.begin(), t.entries.end(), [&](const timeline_entry& e) { return e.name == blocker; });
    i = blocker.empty() ? t.entries.size() : static_cast<std::size_t>(it - t.entries.begin());
    if (path.size() > t.entries.size()) break;  // defensive: never loop
  }
  for (auto it = path.rbegin(); it != path.rend(); ++it) {
    const auto& e = t.entries[*it];
    t.critical_path.push_back(e.name);
    if (e.up_at && e.started_at) t.critical_path_length += *e.up_at - std::max(*e.started_at, e.ready_at.value_or(duration{}));
  }
  return t;
}

}  // namespace lifespan::detail
