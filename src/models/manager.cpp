// The manager's public API: lifecycle, acquisition, control calls, readiness.
#include <algorithm>
#include <stdexcept>

#include "state.hpp"

namespace lifespan::models {

using detail::model_entry;
using detail::version_record;


handle model_ref::acquire() const noexcept {
  auto* v = e_->serving.acquire();
  if (v) v->touch();
  return handle(v);
}

handle model_ref::acquire(std::string_view label) const noexcept {
  for (auto& l : e_->labels) {
    if (!l.used.load(std::memory_order_acquire)) break;
    if (l.name == label) {
      auto* v = l.published.acquire();
      if (v) v->touch();
      return handle(v);
    }
  }
  return {};
}

const std::string& model_ref::name() const noexcept { return e_->name; }

manager::impl::impl(manager_options o, loader_registry l)
    : opts(std::move(o)),
      loaders(std::move(l)),
      clk(opts.clock ? opts.clock : steady()),
      repo(opts.root, opts.follow_symlinks),
      log(opts.transition_log) {}

model_entry* manager::impl::find(std::string_view name) const {
  std::shared_lock lock(names_mu);
  auto it = models.find(name);
  return it == models.end() ? nullptr : it->second.get();
}

model_entry& manager::impl::entry_for(const std::string& name) {
  if (auto* e = find(name)) return *e;
  std::unique_lock lock(names_mu);
  auto e = std::make_unique<model_entry>();
  e->name = name;
  auto configured = opts.models.find(name);
  e->opts = configured != opts.models.end() ? configured->second : opts.defaults;
  return *models.emplace(name, std::move(e)).first->second;
}

manager::manager(manager_options options, loader_registry loaders)
    : impl_(std::make_unique<impl>(std::move(options), std::move(loaders))) {}

const manager_options& manager::options() const noexcept { return impl_->opts; }

void manager::start() {
  auto& o = impl_->opts;
  auto check = [](const std::string& name, const model_options& m) {
    auto bad = [&](const std::string& what) { throw std::invalid_argument("models." + name + ": " + what); };
    if (name != "defaults" && !valid_model_name(name))
      bad("not a valid model name (letters, digits, '_', '-', '.'; the directory name under the root)");
    if (m.required && m.idle_ttl.count() > 0)
      bad("idle_ttl is not allowed for a required model (an idle unload would make the service unready); "
          "remove idle_ttl or make the model optional");
    if (m.required && m.lazy) bad("a required model cannot be lazy: readiness needs it loaded; drop one of the two");
    if (m.policy.kind == version_policy::latest && m.policy.count == 0) bad("versions: latest needs at least 1");
    if (m.policy.kind == version_policy::specific && m.policy.versions.empty())
      bad("versions: specific needs at least one version number");
    if (m.max_attempts < 1) bad("max_attempts must be at least 1");
  };
  for (const auto& [name, m] : o.models) check(name, m);
  check("defaults", o.defaults);
  if (o.defaults.required) throw std::invalid_argument("models.defaults: unlisted models cannot be required; list them");
  if (o.load_threads < 1) throw std::invalid_argument("models.load_threads must be at least 1");
  if (o.load_nice < 0 || o.load_nice > 19)
    throw std::invalid_argument("models.load_nice must be 0..19 (added to the load threads' nice value)");
  impl_->tick_hook = [this] { tick(); };
  impl_->rescan_hook = [this] { rescan(); };
  impl_->started_at = impl_->clk->now();
  impl_->hub->coarse_now.store(impl_->started_at.time_since_epoch().count());
  {
    std::lock_guard lock(impl_->mu);
    for (const auto& [name, m] : o.models) impl_->entry_for(name);
    impl_->unload_inbox.resize(static_cast<std::size_t>(o.load_threads));
    impl_->load_idle.assign(static_cast<std::size_t>(o.load_threads), 0);
    impl_->in_loader.assign(static_cast<std::size_t>(o.load_threads), 0);
    impl_->route_unloads = true;
  }
  impl_->reaper = std::jthread([this](std::stop_token s) { impl_->reap_loop(s); });
  for (int i = 0; i < o.load_threads; ++i)
    impl_->loaders_threads.emplace_back([this, i](std::stop_token s) { impl_->load_loop(i, s); });
  rescan();
  impl_->housekeeping = std::jthread([this](std::stop_token s) { impl_->housekeeping_loop(s); });
  if (o.watch) impl_->watcher = std::jthread([this](std::stop_token s) { impl_->watch_loop(s); });
}

manager::~manager() {
  auto& i = *impl_;
  {
    std::lock_guard lock(i.mu);
    i.stopping = true;
    i.jobs.clear();
    for (auto& [name, e] : i.models)
      for (auto& [v, r] : e->versions) r.stop.request_stop();
  }
  i.watcher.request_stop();
  i.housekeeping.request_stop();
  for (auto& t : i.loaders_threads) t.request_stop();
  {
    std::lock_guard lock(i.mu);
    i.cv.notify_all();
  }
  if (i.watcher.joinable()) i.watcher.join();
  if (i.housekeeping.joinable()) i.housekeeping.join();
  i.loaders_threads.clear();  // joins (each destroys what was routed to it before it returns)
  std::deque<detail::loaded_version*> stranded;  // routed after its load thread's last drain
  {
    std::lock_guard lock(i.mu);
    i.route_unloads = false;  // from now on the reaper destroys retired versions itself
    for (auto& inbox : i.unload_inbox) {
      stranded.insert(stranded.end(), inbox.begin(), inbox.end());
      inbox.clear();
    }
  }
  for (auto* v : stranded) i.destroy(*v);
  {
    std::lock_guard lock(i.mu);
    for (auto& [name, e] : i.models)
      for (auto& [v, r] : e->versions) i.unpublish(*e, r, "manager stopped", true);
  }
  i.reaper.request_stop();
  {
    std::lock_guard lock(i.hub->mu);
    i.hub->cv.notify_all();
  }
  if (i.reaper.joinable()) i.reaper.join();
  std::deque<detail::loaded_version*> rest;
  {
    std::lock_guard lock(i.hub->mu);
    i.hub->running = false;  // from now on the last handle destroys its version inline
    rest.swap(i.hub->queue);
  }
  for (auto* v : rest) {
    delete v;
    i.hub->destroyed.fetch_add(1);
  }
}

void manager::impl::on_reaped(detail::loaded_version& v) {
  std::lock_guard lock(mu);
  used_bytes -= std::min(used_bytes, v.bytes);
  auto* e = find(v.model);
  if (!e) return;
  auto it = e->versions.find(v.version);
  if (it != e->versions.end() && !it->second.live && it->second.state == version_state::draining &&
      it->second.generation == v.generation)
    set_state(*e, it->second, version_state::unloaded, it->second.reason);
  reconcile(*e);
  cv.notify_all();
}

model_ref manager::model(std::string_view name) const { return model_ref(impl_->find(name)); }

handle manager::acquire(std::string_view model) const {
  auto ref = this->model(model);
  return ref ? ref.acquire() : handle();
}

handle manager::acquire(std::string_view model, std::string_view label) const {
  auto ref = this->model(model);
  return ref ? ref.acquire(label) : handle();
}

handle manager::acquire_version(std::string_view model, std::uint64_t version) const {
  std::lock_guard lock(impl_->mu);
  auto* e = impl_->find(model);
  if (!e) return {};
  auto it = e->versions.find(version);
  if (it == e->versions.end() || !it->second.live) return {};
  it->second.live->add_ref();
  it->second.live->touch();
  return handle(it->second.live);
}

handle manager::acquire_or_load(std::string_view model, std::chrono::milliseconds wait) {
  auto ref = this->model(model);
  if (!ref) return {};
  if (auto h = ref.acquire()) return h;
  auto& i = *impl_;
  std::unique_lock lock(i.mu);
  auto* e = i.find(model);
  e->demanded = true;
  for (auto v : i.aspired(*e)) e->versions[v].parked = false;
  i.reconcile(*e);
  if (wait.count() <= 0) return {};
  auto in_flight = [&] {
    for (auto& [v, r] : e->versions)
      if (r.state == version_state::queued || r.state == version_state::loading || r.state == version_state::warming)
        return true;
    return false;
  };
  i.cv.wait_for(lock, wait, [&] { return i.stopping || e->serving.peek() != nullptr || !in_flight(); });
  lock.unlock();
  return ref.acquire();
}

bool manager::ready() const {
  for (const auto& [name, m] : impl_->opts.models)
    if (m.required) {
      auto* e = impl_->find(name);
      if (!e || !e->serving.peek()) return false;
    }
  return true;
}

std::vector<std::string> manager::not_ready() const {
  std::vector<std::string> out;
  std::lock_guard lock(impl_->mu);
  for (const auto& [name, m] : impl_->opts.models) {
    if (!m.required) continue;
    auto* e = impl_->find(name);
    if (e && e->serving.peek()) continue;
    std::string why;
    if (e)
      for (auto& [v, r] : e->versions) why += "; v" + std::to_string(v) + " " + to_string(r.state) + (r.reason.empty() ? "" : ": " + r.reason);
    out.push_back("model '" + name + "' (required) has no published version" +
                  (why.empty() ? ": no complete version under " + (impl_->opts.root / name).string() : why));
  }
  return out;
}

std::optional<std::string> manager::blocked() const {
  std::lock_guard lock(impl_->mu);
  for (const auto& [name, m] : impl_->opts.models) {
    if (!m.required) continue;
    auto* e = impl_->find(name);
    if (!e || e->serving.peek()) continue;
    bool hope = false;
    for (auto& [v, r] : e->versions)
      hope = hope || r.state == version_state::queued || r.state == version_state::loading ||
             r.state == version_state::warming || r.state == version_state::ready ||
             (r.state == version_state::failed && r.retry_at) ||
             (r.state == version_state::on_disk && r.disk.state == disk_state::complete);
    if (!hope && !e->versions.empty()) {
      std::string why;
      for (auto& [v, r] : e->versions) why += "; v" + std::to_string(v) + " " + to_string(r.state) + ": " + r.reason;
      return "required model '" + name + "' cannot load" + why;
    }
  }
  return std::nullopt;
}

bool manager::wait_for_state(std::string_view model, std::uint64_t version, version_state s,
                             std::chrono::milliseconds timeout) {
  auto& i = *impl_;
  std::unique_lock lock(i.mu);
  return i.cv.wait_for(lock, timeout, [&] {
    auto* e = i.find(model);
    if (!e) return false;
    auto it = e->versions.find(version);
    return it != e->versions.end() && it->second.state == s;
  });
}

bool manager::wait_ready(std::chrono::milliseconds timeout, std::stop_token stop) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto& i = *impl_;
  std::unique_lock lock(i.mu);
  while (!ready()) {
    if (stop.stop_requested() || std::chrono::steady_clock::now() >= deadline) return false;
    i.cv.wait_for(lock, std::chrono::milliseconds(50));
  }
  return true;
}

std::optional<version_state> manager::state(std::string_view model, std::uint64_t version) const {
  std::lock_guard lock(impl_->mu);
  auto* e = impl_->find(model);
  if (!e) return std::nullopt;
  auto it = e->versions.find(version);
  if (it == e->versions.end()) return std::nullopt;
  return it->second.state;
}

std::string manager::reason(std::string_view model, std::uint64_t version) const {
  std::lock_guard lock(impl_->mu);
  auto* e = impl_->find(model);
  if (!e) return {};
  auto it = e->versions.find(version);
  return it == e->versions.end() ? std::string() : it->second.reason;
}

std::uint64_t manager::used_bytes() const {
  std::lock_guard lock(impl_->mu);
  return impl_->used_bytes + impl_->reserved_bytes;
}

std::uint64_t manager::live_versions() const {
  return impl_->hub->created.load() - impl_->hub->destroyed.load();
}

std::uint64_t manager::unloads() const { return impl_->hub->destroyed.load(); }

}  // namespace lifespan::models
