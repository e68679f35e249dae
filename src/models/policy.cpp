// What should be loaded and published: aspired versions, reconciliation, unpublishing, the log.
#include <algorithm>

#include "state.hpp"

namespace lifespan::models {

using detail::model_entry;
using detail::version_record;

const char* to_string(version_state s) noexcept {
  switch (s) {
    case version_state::on_disk: return "on_disk";
    case version_state::queued: return "queued";
    case version_state::loading: return "loading";
    case version_state::warming: return "warming";
    case version_state::ready: return "ready";
    case version_state::draining: return "draining";
    case version_state::unloaded: return "unloaded";
    case version_state::failed: return "failed";
    case version_state::invalid: return "invalid";
  }
  return "?";
}

std::string version_policy::describe() const {
  switch (kind) {
    case latest: return "latest " + std::to_string(count);
    case all: return "all";
    case specific: {
      std::string s = "specific [";
      for (std::size_t i = 0; i < versions.size(); ++i) s += (i ? ", " : "") + std::to_string(versions[i]);
      return s + "]";
    }
  }
  return "?";
}

void manager::impl::set_state(model_entry& e, version_record& r, version_state to, std::string reason) {
  if (r.state != to || r.reason != reason) {
    log.push(clk->now(), e.name, r.version, r.state, to, reason);
  }
  r.state = to;
  r.reason = std::move(reason);
  cv.notify_all();
}

// Complete versions on disk that are not known to fail deterministically, filtered by the policy.
std::vector<std::uint64_t> manager::impl::aspired(const model_entry& e) const {
  std::vector<std::uint64_t> usable;
  for (const auto& [v, r] : e.versions) {
    if (!r.on_disk || r.disk.state != disk_state::complete) continue;
    if (!r.failed_fingerprint.empty() && r.failed_fingerprint == r.disk.fingerprint) continue;
    usable.push_back(v);
  }
  const auto& p = e.opts.policy;
  switch (p.kind) {
    case version_policy::all: return usable;
    case version_policy::latest: {
      std::size_t n = std::min(p.count, usable.size());
      return {usable.end() - static_cast<std::ptrdiff_t>(n), usable.end()};
    }
    case version_policy::specific: {
      std::vector<std::uint64_t> out;
      for (auto v : usable)
        if (std::find(p.versions.begin(), p.versions.end(), v) != p.versions.end()) out.push_back(v);
      return out;
    }
  }
  return usable;
}

bool manager::impl::labelled(const model_entry& e, std::uint64_t version) const {
  for (const auto& l : e.labels)
    if (l.active && l.version == version) return true;
  return false;
}

std::int64_t manager::impl::handles(const model_entry& e, const version_record& r) const {
  if (!r.live) return 0;
  std::int64_t structural = 1 + (e.serving.peek() == r.live ? 1 : 0);
  for (const auto& l : e.labels)
    if (l.active && l.published.peek() == r.live) ++structural;
  return r.live->refs.load(std::memory_order_acquire) - structural;
}

void manager::impl::enqueue(model_entry& e, version_record& r) {
  set_state(e, r, version_state::queued, r.force ? "reload requested" : "aspired by the version policy");
  r.stop = std::stop_source();
  jobs.emplace_back(&e, r.version);
  cv.notify_all();
}

void manager::impl::unpublish(model_entry& e, version_record& r, std::string reason, bool park) {
  if (!r.live) return;
  if (e.serving.peek() == r.live)
    if (auto* old = e.serving.exchange(nullptr)) old->release();
  for (auto& l : e.labels)
    if (l.published.peek() == r.live) {
      if (auto* old = l.published.exchange(nullptr)) old->release();
      l.active = false;
    }
  auto* live = r.live;
  r.live = nullptr;
  r.parked = r.parked || park;
  set_state(e, r, version_state::draining, std::move(reason));
  live->release();  // `unloaded` once the last handle is gone and its load thread destroyed it
}

void manager::impl::reconcile(model_entry& e) {
  if (stopping) return;
  auto want = aspired(e);
  auto is_aspired = [&](std::uint64_t v) { return std::find(want.begin(), want.end(), v) != want.end(); };
  bool in_flight = false;
  for (auto& [v, r] : e.versions)
    in_flight = in_flight || r.state == version_state::queued || r.state == version_state::loading ||
                r.state == version_state::warming;

  // 1. Queue loads of aspired versions (lazy models only once asked; parked ones only when asked).
  for (auto v : want) {
    auto& r = e.versions[v];
    if (r.parked || (e.opts.lazy && !e.demanded)) continue;
    // Failed versions come back through tick() (retry due) or load()/reload(), never from here.
    if (r.state == version_state::on_disk || r.state == version_state::unloaded) {
      // resource_preserving: one load at a time per model, after the old versions are gone
      if (e.opts.mode == swap_mode::resource_preserving && in_flight) continue;
      enqueue(e, r);
      in_flight = true;
    }
  }

  // 2. Publish the highest ready aspired version; else keep what serves; else the highest ready one.
  version_record* target = nullptr;
  for (auto it = want.rbegin(); it != want.rend() && !target; ++it)
    if (auto& r = e.versions[*it]; r.state == version_state::ready && r.live) target = &r;
  bool aspired_ready = target != nullptr;
  if (!target) {
    for (auto& [v, r] : e.versions)
      if (r.live && r.live == e.serving.peek()) target = &r;
  }
  if (!target) {
    for (auto it = e.versions.rbegin(); it != e.versions.rend() && !target; ++it)
      if (it->second.state == version_state::ready && it->second.live && it->second.explicit_keep) target = &it->second;
  }
  if (target && e.serving.peek() != target->live) {
    if (auto* old = e.serving.exchange(target->live)) old->release();
    log.push(clk->now(), e.name, target->version, version_state::ready, version_state::ready, "published");
    cv.notify_all();
  }

  // 3. Unload what is neither aspired, explicitly kept, labelled nor serving. With availability
  // preserving, only once an aspired version serves; resource preserving unloads at once.
  bool may_unload = aspired_ready || e.opts.mode == swap_mode::resource_preserving || want.empty();
  for (auto& [v, r] : e.versions) {
    if (!r.live || r.state != version_state::ready) continue;
    if (is_aspired(v) || r.explicit_keep || labelled(e, v)) continue;
    if (e.serving.peek() == r.live && !may_unload) continue;
    if (e.serving.peek() == r.live && e.opts.required && !aspired_ready &&
        e.opts.mode == swap_mode::availability_preserving)
      continue;  // a required model never goes dark unless resource_preserving was chosen
    std::string why = aspired_ready ? "superseded by version " + std::to_string(target->version)
                                    : (r.on_disk ? "no longer in the version policy (" + e.opts.policy.describe() + ")"
                                                 : "removed from the repository");
    unpublish(e, r, why, false);
  }
}

void manager::impl::reconcile_all() {
  for (auto& [name, e] : models) reconcile(*e);
}

void manager::impl::merge(const disk_listing& listing) {
  for (const auto& [name, versions] : listing) {
    if (!opts.serve_unlisted && !opts.models.count(name)) continue;
    auto& e = entry_for(name);
    for (const auto& dv : versions) {
      if (dv.state == disk_state::incomplete) continue;  // invisible until its manifest is there
      auto [it, fresh] = e.versions.try_emplace(dv.version);
      auto& r = it->second;
      bool changed = fresh || r.disk.fingerprint != dv.fingerprint || !r.on_disk;
      r.version = dv.version;
      r.disk = dv;
      r.on_disk = true;
      if (!changed) continue;
      if (dv.state == disk_state::invalid) {
        if (!r.live && r.state != version_state::loading && r.state != version_state::warming)
          set_state(e, r, version_state::invalid, dv.problem);
        else
          r.reason = "serving the loaded copy; on disk now: " + dv.problem;
        continue;
      }
      // New content: forget earlier failures.
      r.failed_fingerprint.clear();
      r.attempts = 0;
      r.retry_at.reset();
      if (r.state == version_state::invalid || r.state == version_state::failed)
        set_state(e, r, version_state::on_disk, "new files on disk");
    }
  }
  // Versions that disappeared from disk: no longer aspired (a loaded one serves until replaced).
  for (auto& [name, e] : models) {
    auto found = listing.find(name);
    for (auto& [v, r] : e->versions) {
      bool present = false;
      if (found != listing.end())
        for (const auto& dv : found->second) present = present || (dv.version == v && dv.state != disk_state::incomplete);
      if (!present && r.on_disk) {
        r.on_disk = false;
        if (!r.live && (r.state == version_state::on_disk || r.state == version_state::invalid ||
                        r.state == version_state::failed))
          set_state(*e, r, version_state::unloaded, "removed from the repository");
      }
    }
    // Forget versions that are gone from disk and from memory, keeping the newest few for the API.
    constexpr std::size_t keep_history = 8;
    std::size_t gone = 0;
    for (auto it = e->versions.rbegin(); it != e->versions.rend(); ++it) {
      auto& r = it->second;
      if (!r.on_disk && !r.live && r.state == version_state::unloaded) ++gone;
    }
    for (auto it = e->versions.begin(); it != e->versions.end() && gone > keep_history;) {
      auto& r = it->second;
      if (!r.on_disk && !r.live && r.state == version_state::unloaded) {
        it = e->versions.erase(it);
        --gone;
      } else {
        ++it;
      }
    }
  }
}

}  // namespace lifespan::models
