// The manager's control calls: load, unload, reload, labels, and the periodic tick (retries, idle TTL).
// Each takes the manager's lock briefly and never waits for a load.
#include <algorithm>
#include <cctype>

#include "state.hpp"

namespace lifespan::models {

using detail::model_entry;
using detail::version_record;

namespace {
std::string ms(duration d) {
  return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(d).count()) + " ms";
}
outcome unknown_model(std::string_view name) {
  return {404, "unknown_model", "no model named '" + std::string(name) + "' (neither configured nor in the repository)"};
}
outcome unknown_version(std::string_view name, std::uint64_t v) {
  return {404, "unknown_version", "model '" + std::string(name) + "' has no version " + std::to_string(v) + " on disk"};
}
}  // namespace

outcome manager::load(std::string_view model, std::optional<std::uint64_t> version) {
  auto& i = *impl_;
  std::lock_guard lock(i.mu);
  auto* e = i.find(model);
  if (!e) return unknown_model(model);
  if (!version) {
    e->demanded = true;
    auto want = i.aspired(*e);
    if (want.empty())
      return {409, "no_version", "model '" + e->name + "' has no complete, valid version matching its policy (" +
                                     e->opts.policy.describe() + ") under " + (i.opts.root / e->name).string()};
    for (auto v : want) {
      auto& r = e->versions[v];
      r.parked = false;
      if (r.state == version_state::failed) {
        r.retry_at.reset();
        r.attempts = 0;
        i.enqueue(*e, r);
      }
    }
    i.reconcile(*e);
    return {202, "", "loading the versions the policy aspires to (" + e->opts.policy.describe() + ")"};
  }
  auto it = e->versions.find(*version);
  if (it == e->versions.end() || !it->second.on_disk) return unknown_version(model, *version);
  auto& r = it->second;
  if (r.disk.state != disk_state::complete) return {409, "invalid", r.disk.problem};
  r.explicit_keep = true;
  r.parked = false;
  if (r.live) return {200, "", "version " + std::to_string(*version) + " is already loaded"};
  if (r.state == version_state::queued || r.state == version_state::loading || r.state == version_state::warming)
    return {202, "", "version " + std::to_string(*version) + " is already loading"};
  r.failed_fingerprint.clear();
  r.attempts = 0;
  r.retry_at.reset();
  i.enqueue(*e, r);
  return {202, "", "loading version " + std::to_string(*version)};
}

outcome manager::unload(std::string_view model, std::optional<std::uint64_t> version) {
  auto& i = *impl_;
  std::lock_guard lock(i.mu);
  auto* e = i.find(model);
  if (!e) return unknown_model(model);
  std::vector<version_record*> targets;
  for (auto& [v, r] : e->versions)
    if (!version || v == *version) targets.push_back(&r);
  if (version && targets.empty()) return unknown_version(model, *version);
  for (auto* r : targets) {
    if (i.labelled(*e, r->version))
      return {409, "labelled", "version " + std::to_string(r->version) + " of '" + e->name +
                                   "' carries a label; move or remove the label first"};
    if (e->opts.required && r->live && e->serving.peek() == r->live) {
      bool other = false;
      for (auto& [v, o] : e->versions) other = other || (o.live && &o != r && o.state == version_state::ready);
      if (!other)
        return {409, "required", "'" + e->name + "' is required and version " + std::to_string(r->version) +
                                     " is its only loaded version: unloading it would make the service unready; "
                                     "publish or load another version first"};
    }
  }
  for (auto* r : targets) {
    r->explicit_keep = false;
    r->parked = true;
    r->stop.request_stop();
    if (r->live) i.unpublish(*e, *r, "unloaded on request", true);
    else if (r->state == version_state::queued || r->state == version_state::failed)
      i.set_state(*e, *r, version_state::unloaded, "unloaded on request");
  }
  if (!version) e->demanded = false;
  i.reconcile(*e);
  return {200, "", version ? "version " + std::to_string(*version) + " unloading" : "every version unloading"};
}

outcome manager::reload(std::string_view model, std::optional<std::uint64_t> version) {
  auto& i = *impl_;
  std::lock_guard lock(i.mu);
  auto* e = i.find(model);
  if (!e) return unknown_model(model);
  if (!version) {
    if (auto* serving = e->serving.peek()) version = serving->version;
    else if (auto want = i.aspired(*e); !want.empty()) version = want.back();
    else return {409, "no_version", "model '" + e->name + "' has nothing to reload"};
  }
  auto it = e->versions.find(*version);
  if (it == e->versions.end() || !it->second.on_disk) return unknown_version(model, *version);
  auto& r = it->second;
  if (r.disk.state != disk_state::complete) return {409, "invalid", r.disk.problem};
  if (r.state == version_state::queued || r.state == version_state::loading || r.state == version_state::warming)
    return {409, "busy", "version " + std::to_string(*version) + " is already loading"};
  r.force = r.live != nullptr;
  r.parked = false;
  r.failed_fingerprint.clear();
  r.attempts = 0;
  r.retry_at.reset();
  i.enqueue(*e, r);
  return {202, "", "reloading version " + std::to_string(*version) + (r.force ? " beside the loaded copy" : "")};
}

outcome manager::set_label(std::string_view model, std::string_view label, std::uint64_t version) {
  auto& i = *impl_;
  if (label.empty() || label.size() > 64 ||
      !std::all_of(label.begin(), label.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'; }))
    return {400, "bad_label", "a label is 1-64 letters, digits, '_' or '-'"};
  std::lock_guard lock(i.mu);
  auto* e = i.find(model);
  if (!e) return unknown_model(model);
  auto it = e->versions.find(version);
  if (it == e->versions.end()) return unknown_version(model, version);
  auto& r = it->second;
  if (!r.live || r.state == version_state::draining)
    return {409, "not_ready", "version " + std::to_string(version) + " is " + to_string(r.state) +
                                  ": a label moves only to a ready version; load it first (POST .../load)"};
  detail::label_slot* target = nullptr;
  for (auto& l : e->labels) {
    if (l.used.load(std::memory_order_acquire) && l.name == label) { target = &l; break; }
    if (!l.used.load(std::memory_order_acquire)) {
      l.name = std::string(label);
      l.used.store(true, std::memory_order_release);
      target = &l;
      break;
    }
  }
  if (!target) return {409, "too_many_labels", "a model has at most 8 label names"};
  target->version = version;
  target->active = true;
  if (auto* old = target->published.exchange(r.live)) old->release();
  i.log.push(i.clk->now(), e->name, version, r.state, r.state, "label '" + std::string(label) + "'");
  i.reconcile(*e);
  return {200, "", "label '" + std::string(label) + "' -> version " + std::to_string(version)};
}

outcome manager::remove_label(std::string_view model, std::string_view label) {
  auto& i = *impl_;
  std::lock_guard lock(i.mu);
  auto* e = i.find(model);
  if (!e) return unknown_model(model);
  for (auto& l : e->labels)
    if (l.used.load(std::memory_order_acquire) && l.name == label && l.active) {
      if (auto* old = l.published.exchange(nullptr)) old->release();
      l.active = false;
      i.reconcile(*e);
      return {200, "", "label '" + std::string(label) + "' removed"};
    }
  return {404, "unknown_label", "model '" + e->name + "' has no label '" + std::string(label) + "'"};
}

void manager::rescan() {
  auto& i = *impl_;
  std::lock_guard scan(i.scan_mu);
  auto listing = i.repo.scan();
  std::lock_guard lock(i.mu);
  i.merge(listing);
  i.reconcile_all();
}

void manager::tick() {
  auto& i = *impl_;
  auto now = i.clk->now();
  i.hub->coarse_now.store(now.time_since_epoch().count(), std::memory_order_relaxed);
  std::lock_guard lock(i.mu);
  for (auto& [name, e] : i.models) {
    for (auto& [v, r] : e->versions) {
      if (r.state == version_state::failed && r.retry_at && *r.retry_at <= now && !r.parked) {
        r.retry_at.reset();
        i.enqueue(*e, r);
        continue;
      }
      auto ttl = e->opts.idle_ttl;
      if (ttl.count() <= 0 || e->opts.required || !r.live || r.state != version_state::ready) continue;
      if (i.labelled(*e, v) || i.handles(*e, r) > 0) continue;
      auto last = time_point(duration(r.stats->last_access.load(std::memory_order_relaxed)));
      if (now - last >= ttl) {
        i.unpublish(*e, r, "idle for " + ms(now - last) + " (idle_ttl " + ms(ttl) + ")", true);
        e->demanded = false;
      }
    }
    i.reconcile(*e);
  }
}

}  // namespace lifespan::models
