#include "runtime.hpp"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

namespace lifespan::detail {

void completion_state::complete(bool ok, std::string reason) {
  if (settled.exchange(true)) return;
  if (auto l = owner.lock())
    l->post([rt = rt, n = n, attempt = attempt, ok, reason = std::move(reason)]() mutable {
      rt->on_start_completed(*n, attempt, ok, std::move(reason));
    });
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
  const std::size_t count = registrations.size();
  // Threads for the first starts are created while the rest of the runtime is set up: a few only, as
  // each creation takes CPU from this set-up; a larger first burst grows the pool as usual.
  constexpr std::size_t prestarted = 16;
  std::size_t roots = 0;
  for (std::size_t i = 0; i < count && roots < prestarted; ++i)
    if (graph.required[i].size() == 0 && graph.effective[i] != criticality::lazy) ++roots;
  pool_->prestart(roots);
  storage_.reset(new node[count]);
  first_completions_.reset(new completion_state[count]);  // default-initialised: members have their own initialisers
  nodes_.reserve(count);
  std::vector<std::size_t> required_by_count(count, 0);
  std::size_t required = 0, optional = 0, dependents = 0;
  for (std::size_t i = 0; i < count; ++i) {
    required += graph.required[i].size();
    optional += graph.optional[i].size();
    dependents += graph.dependents[i].size();
    for (auto r : graph.required[i]) ++required_by_count[r];
  }
  edges_.resize(2 * required + optional + dependents);
  typed_edges_.resize(required);
  for (std::size_t i = 0; i < count; ++i) {
    node& n = storage_[i];
    n.index = i;
    n.reg = &registrations[i];
    n.settings = settings[i];
    n.effective = graph.effective[i];
    n.owner = this;
    n.ctx.node_ = &n;
    n.shown.criticality = n.reg->decl.criticality;  // names are filled in by status() and timeline()
    n.line.criticality = n.reg->decl.criticality;
    nodes_.push_back(&n);
  }
  // Layout of edges_: every node's required list, then every required_by list, then optional, then
  // dependents. required_by lists are filled in declaration order, then sorted by chain (below).
  node** next_required = edges_.data();
  node** next_required_by = next_required + required;
  node** next_optional = next_required_by + required;
  node** next_dependent = next_optional + optional;
  std::vector<node**> required_by_fill(count);
  for (std::size_t i = 0; i < count; ++i) {
    storage_[i].required_by = {next_required_by, required_by_count[i]};
    required_by_fill[i] = next_required_by;
    next_required_by += required_by_count[i];
  }
  auto* next_typed = typed_edges_.data();
  for (std::size_t i = 0; i < count; ++i) {
    node& n = storage_[i];
    const auto& req = graph.required[i];
    n.required = {next_required, req.size()};
    n.ctx.required_begin_ = next_typed;
    n.ctx.required_end_ = next_typed + req.size();
    for (auto r : req) {
      *next_required++ = nodes_[r];
      *required_by_fill[r]++ = &n;
      *next_typed++ = {nodes_[r]->reg->decl.type, &nodes_[r]->pub};
    }
    n.optional = {next_optional, graph.optional[i].size()};
    for (auto o : graph.optional[i]) *next_optional++ = nodes_[o];
    n.dependents = {next_dependent, graph.dependents[i].size()};
    for (auto d : graph.dependents[i]) *next_dependent++ = nodes_[d];
  }
  order_.reserve(graph.order.size());
  for (auto i : graph.order) order_.push_back(nodes_[i]);
  // node::chain: the longest chain of dependents waiting on each component (itself included), walking
  // dependents before their dependencies; then the deepest chain of dependencies, the other way.
  std::vector<std::size_t> height(count, 1);
  for (auto it = order_.rbegin(); it != order_.rend(); ++it)
    for (auto* d : (*it)->required_by) height[(*it)->index] = std::max(height[(*it)->index], height[d->index] + 1);
  for (auto* n : order_) {  // `chain` holds the depth (itself included) until its own turn
    for (auto* d : n->required_by) d->chain = std::max(d->chain, n->chain + 1);
    n->chain += height[n->index] - 1;  // every dependency has added to it already
  }
  // Ties keep declaration order (the lists were filled in it); std::sort, as std::stable_sort would
  // allocate a buffer per list.
  const auto higher = [](const node* a, const node* b) { return a->chain != b->chain ? a->chain > b->chain : a->index < b->index; };
  for (auto& n : nodes_) {
    if (n->required_by.size() < 2) continue;
    node** first = edges_.data() + (n->required_by.data() - edges_.data());  // the span views edges_
    std::sort(first, first + n->required_by.size(), higher);
  }
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
  if (waiters_.load() > 0) {  // see waiters_
    for (auto& n : nodes_) {
      std::lock_guard lock(n->shown_mutex);
      n->changed.notify_all();
    }
  }
  loop_->post([this, exit_code, count] { on_shutdown_request(exit_code, count); });
}

void runtime::emit_at(time_point at, event_kind kind, const node* n, std::string detail, duration took, int attempt) {
  lifecycle_event e{kind, at, n ? n->name() : std::string{}, state(), took, attempt, std::move(detail)};
  for (auto& l : listeners_) l(e);
}

void runtime::count_transition(node& n, component_state old, component_state s) {
  const bool was_usable = is_usable(old), now_usable = is_usable(s);
  if (was_usable != now_usable) {
    const int delta = now_usable ? -1 : 1;
    if (n.effective == criticality::critical) critical_pending_ += delta;
    if (n.effective == criticality::ready) ready_pending_ += delta;
  }
  const auto troubled = [](component_state c) { return c == component_state::degraded || c == component_state::failed; };
  if (troubled(old) != troubled(s)) troubled_count_.fetch_add(troubled(s) ? 1 : -1, std::memory_order_relaxed);
}

void runtime::show_state(node& n, component_state old, component_state s, std::string reason, time_point at) {
  n.pub.state.store(s, std::memory_order_release);
  if (old != s) n.shown.since = at;
  n.shown.state = s;
  n.line.state = s;
  if (!reason.empty()) n.shown.reason = std::move(reason);
  if (s == component_state::failed) ++n.failures_seen;
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

node* runtime::find(const void* type, std::string_view name) {
  node* found = nullptr;
  for (auto& n : nodes_) {
    if (!name.empty() ? n->name() == name : n->reg->decl.type == type) {
      if (found != nullptr) return nullptr;  // ambiguous by type
      found = n;
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
    waiters_.fetch_add(1);  // before stopping_ is checked: see waiters_
    n.changed.wait_for(lock, wait, [&] { return n.pub.usable() || n.failures_seen != failures_before || stopping_.load(); });
    waiters_.fetch_sub(1);
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
    c.name = n->name();
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
    t.entries.back().name = n->name();
    if (n->blocked_by != nullptr) t.entries.back().blocked_by = n->blocked_by->name();
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
