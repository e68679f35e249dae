// Load jobs on the load threads: admission against the budget, load, warm-up, publication, failures.
#include <malloc.h>
#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>

#include <algorithm>

#include "state.hpp"

namespace lifespan::models {

using detail::model_entry;
using detail::version_record;

namespace {
std::string mib(std::uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
  return buf;
}
}  // namespace

duration manager::impl::backoff(const model_options& o, int attempts) const {
  auto d = o.retry_initial;
  for (int i = 1; i < attempts && d < o.retry_max; ++i) d *= 2;
  return std::min(d, o.retry_max);
}

std::string manager::impl::admit(model_entry& e, version_record& r, std::uint64_t estimate) {
  if (opts.memory_budget == 0) return {};
  auto fits = [&] { return used_bytes + reserved_bytes + estimate <= opts.memory_budget; };
  if (fits()) return {};
  // Candidates: loaded, no handle, no label, and not what a required model or this model serves.
  struct candidate {
    model_entry* e;
    version_record* r;
    std::int64_t last;
  };
  std::vector<candidate> candidates;
  std::string holders;
  for (auto& [name, other] : models)
    for (auto& [v, o] : other->versions) {
      if (!o.live || o.state != version_state::ready) continue;
      std::string why;
      bool serving = other->serving.peek() == o.live;
      if (labelled(*other, v)) why = "labelled";
      else if (handles(*other, o) > 0) why = "in use";
      else if (serving && other->opts.required) why = "serving a required model";
      else if (serving && other.get() == &e) why = "serving while its successor loads";
      holders += "; " + name + " v" + std::to_string(v) + " " + mib(o.measured_bytes) + (why.empty() ? "" : " (" + why + ")");
      if (why.empty()) candidates.push_back({other.get(), &o, o.stats->last_access.load(std::memory_order_relaxed)});
    }
  std::sort(candidates.begin(), candidates.end(), [](auto& a, auto& b) { return a.last < b.last; });
  std::uint64_t freeing = 0;
  std::vector<candidate> victims;
  for (auto& c : candidates) {
    if (used_bytes - freeing + reserved_bytes + estimate <= opts.memory_budget) break;
    victims.push_back(c);
    freeing += c.r->measured_bytes;
  }
  if (used_bytes - std::min(freeing, used_bytes) + reserved_bytes + estimate > opts.memory_budget)
    return "memory budget: " + e.name + " v" + std::to_string(r.version) + " needs about " + mib(estimate) +
           ", the budget is " + mib(opts.memory_budget) + " with " + mib(used_bytes + reserved_bytes) +
           " in use (" + (holders.empty() ? std::string("loads in progress") : holders.substr(2)) +
           ") and nothing more can be evicted; raise memory_budget, unload or unlabel a version, or use "
           "resource_preserving for this model";
  for (auto& v : victims)
    unpublish(*v.e, *v.r,
              "evicted (least recently used) to make room for " + e.name + " v" + std::to_string(r.version), true);
  return {};
}

void manager::impl::load_loop(int self, std::stop_token stop) {
  pthread_setname_np(pthread_self(), ("models-load-" + std::to_string(self)).substr(0, 15).c_str());
  if (opts.load_nice > 0) {  // lowering one's own priority needs no privilege
    auto tid = static_cast<id_t>(::gettid());
    errno = 0;
    int now = ::getpriority(PRIO_PROCESS, tid);
    if (errno == 0) ::setpriority(PRIO_PROCESS, tid, std::min(19, now + opts.load_nice));
  }
  std::unique_lock lock(mu);
  auto i = static_cast<std::size_t>(self);
  auto& inbox = unload_inbox[i];
  // A job goes to the lowest-numbered idle thread: one model's swaps then stay on one thread (its
  // malloc arena, XGBoost's per-thread entries), and the others only load in parallel when needed.
  auto mine = [&] {
    std::size_t idle_below = 0;
    for (std::size_t j = 0; j < i; ++j) idle_below += load_idle[j] ? 1 : 0;
    return jobs.size() > idle_below;
  };
  for (;;) {
    load_idle[i] = true;
    cv.wait(lock, [&] { return mine() || !inbox.empty() || stop.stop_requested(); });
    drain_unloads(lock, self);  // unloads first: they return memory a queued load may need
    if (stop.stop_requested()) return;
    if (!mine()) continue;
    auto [e, version] = jobs.front();
    jobs.pop_front();
    load_idle[i] = false;
    if (!jobs.empty()) cv.notify_all();  // the next idle thread may take the rest
    lock.unlock();
    run_load(*e, version, self);
    lock.lock();
  }
}

void manager::impl::drain_unloads(std::unique_lock<std::mutex>& lock, int self) {
  auto& inbox = unload_inbox[static_cast<std::size_t>(self)];
  while (!inbox.empty()) {
    std::deque<detail::loaded_version*> batch;
    batch.swap(inbox);
    lock.unlock();
    for (auto* v : batch) destroy(*v);
    {
      std::lock_guard g(hub->mu);
      hub->trim_wanted = true;
      hub->cv.notify_one();
    }
    lock.lock();
  }
}

bool manager::impl::wait_unloading(std::unique_lock<std::mutex>& lock, int self,
                                   std::chrono::steady_clock::time_point deadline, const std::function<bool()>& done) {
  for (;;) {
    if (done()) return true;
    if (!unload_inbox[static_cast<std::size_t>(self)].empty()) {
      drain_unloads(lock, self);
      continue;
    }
    if (cv.wait_until(lock, deadline) == std::cv_status::timeout) return done();
  }
}

void manager::impl::run_load(model_entry& e, std::uint64_t version, int self) {
  std::unique_lock lock(mu);
  // Idle again as soon as the outcome is published (before the lock is released), so that the next
  // job, queued by whoever saw it, still comes to this thread.
  struct idle_on_exit {
    impl& m;
    std::unique_lock<std::mutex>& lock;
    std::size_t i;
    ~idle_on_exit() {
      if (!lock.owns_lock()) lock.lock();
      m.load_idle[i] = 1;
      m.in_loader[i] = 0;
    }
  } idle_guard{*this, lock, static_cast<std::size_t>(self)};
  auto it = e.versions.find(version);
  if (it == e.versions.end() || it->second.state != version_state::queued || stopping) return;
  version_record& r = it->second;
  {  // superseded while queued (a newer version arrived first): do not load it at all
    auto want = aspired(e);
    if (!r.explicit_keep && !r.force && std::find(want.begin(), want.end(), version) == want.end()) {
      set_state(e, r, r.on_disk ? version_state::on_disk : version_state::unloaded,
                "no longer aspired when its turn came (" + e.opts.policy.describe() + ")");
      return;
    }
  }
  if (e.opts.mode == swap_mode::resource_preserving) {  // unload first: wait until the old versions are gone
    wait_unloading(lock, self, std::chrono::steady_clock::now() + e.opts.load_timeout, [&] {
      return stopping || std::none_of(e.versions.begin(), e.versions.end(),
                                      [](auto& kv) { return kv.second.state == version_state::draining; });
    });
    if (stopping || r.state != version_state::queued) return;
  }
  auto now = clk->now();
  time_point deadline = now + e.opts.load_timeout;
  r.attempts++;
  r.retry_at.reset();
  r.load_started = now;
  r.loading_generation = ++r.generation;
  std::stop_token stop = r.stop.get_token();
  set_state(e, r, version_state::loading, "attempt " + std::to_string(r.attempts));
  load_source source{e.name, version, r.disk.dir, r.disk.manifest};
  std::uint64_t estimate = 0;
  bool reserved = false;

  auto fail = [&](const std::string& why, bool deterministic) {
    if (reserved) reserved_bytes -= estimate;
    reserved = false;
    r.load_duration = clk->now() - r.load_started;
    if (r.parked) {
      set_state(e, r, r.live ? version_state::ready : version_state::unloaded, "load cancelled: " + why);
    } else if (stop.stop_requested() && !stopping) {
      r.attempts--;  // cancelled by an unload that a later load() overrode: start again, not a failure
      enqueue(e, r);
    } else if (deterministic) {
      r.failed_fingerprint = r.disk.fingerprint;
      set_state(e, r, version_state::failed, why + " (not retried: fix the files, or reload)");
    } else if (r.attempts < e.opts.max_attempts && !stopping) {
      auto wait = backoff(e.opts, r.attempts);
      r.retry_at = clk->now() + wait;
      set_state(e, r, version_state::failed,
                why + " (retry " + std::to_string(r.attempts + 1) + "/" + std::to_string(e.opts.max_attempts) + " in " +
                    std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(wait).count()) + " ms)");
    } else {
      set_state(e, r, version_state::failed, why + " (gave up after " + std::to_string(r.attempts) + " attempts)");
    }
    reconcile(e);  // the current version keeps serving; the policy may pick another
  };

  try {
    if (!source.manifest) throw load_error("no valid manifest", true);
    lock.unlock();
    auto l = loaders.make(source);
    estimate = l->estimate();
    lock.lock();
    r.estimated_bytes = estimate;
    if (auto refused = admit(e, r, estimate); !refused.empty()) throw load_error(refused, false);
    reserved_bytes += estimate;
    reserved = true;
    // Evicted versions had no handles: wait briefly for their unload (this thread's own meanwhile).
    if (opts.memory_budget)
      wait_unloading(lock, self, std::chrono::steady_clock::now() + std::chrono::seconds(5),
                     [&] { return stopping || used_bytes + reserved_bytes <= opts.memory_budget; });
    drain_unloads(lock, self);  // nothing routed here may wait out the load below
    in_loader[static_cast<std::size_t>(self)] = 1;
    lock.unlock();

    verify_files(source.dir, *source.manifest);  // the files may have changed since the scan
    auto before = mallinfo2().uordblks;
    auto instance = l->load(deadline, stop);
    auto after = mallinfo2().uordblks;
    // The allocator's growth across load() (other threads allocate meanwhile, so it is approximate);
    // the estimate when frees elsewhere hid the growth.
    std::uint64_t measured = instance->bytes() ? instance->bytes() : (after > before ? after - before : estimate);
    lock.lock();
    set_state(e, r, version_state::warming, "warm-up: " + std::to_string(source.manifest->warmup.size()) + " rows");
    lock.unlock();
    l->warmup(*instance, *source.manifest, deadline);
    if (stop.stop_requested()) throw load_error("load cancelled (unload requested or manager stopping)", false);
    if (clk->now() > deadline)
      throw load_error("load took longer than load_timeout (" +
                           std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(e.opts.load_timeout).count()) +
                           " ms)",
                       false);

    auto* lv = new detail::loaded_version;
    lv->model = e.name;
    lv->version = version;
    lv->instance = std::move(instance);
    lv->stats = std::make_shared<detail::version_stats>();
    lv->manifest = source.manifest;
    lv->owner = hub;
    lv->loaded_by = self;
    hub->created.fetch_add(1, std::memory_order_relaxed);

    lock.lock();
    in_loader[static_cast<std::size_t>(self)] = 0;
    reserved_bytes -= estimate;
    reserved = false;
    lv->generation = r.loading_generation;
    lv->bytes = measured;
    used_bytes += measured;
    r.measured_bytes = measured;
    r.load_duration = clk->now() - r.load_started;
    r.loaded_at = clk->now();
    hub->coarse_now.store(clk->now().time_since_epoch().count(), std::memory_order_relaxed);
    lv->stats->last_access.store(clk->now().time_since_epoch().count(), std::memory_order_relaxed);
    r.stats = lv->stats;
    r.attempts = 0;
    auto* previous = r.live;  // a forced reload replaces the generation in place, in every slot
    r.live = lv;
    r.force = false;
    if (previous) {
      if (e.serving.peek() == previous)
        if (auto* old = e.serving.exchange(lv)) old->release();
      for (auto& label : e.labels)
        if (label.active && label.published.peek() == previous)
          if (auto* old = label.published.exchange(lv)) old->release();
      previous->release();
    }
    if (stopping) {
      r.live = nullptr;
      lv->release();
      return;
    }
    set_state(e, r, version_state::ready,
              "loaded in " +
                  std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(r.load_duration).count()) + " ms");
    reconcile(e);
  } catch (const load_error& err) {
    if (!lock.owns_lock()) lock.lock();
    fail(err.what(), err.deterministic());
  } catch (const std::exception& err) {
    if (!lock.owns_lock()) lock.lock();
    fail(std::string("loader threw: ") + err.what(), false);
  }
}

}  // namespace lifespan::models
