// What the manager shows: models, versions with their state, reason, timings, bytes and traffic, and
// the bounded transition log. Everything is copied under the manager's lock.
#include "state.hpp"

namespace lifespan::models {

using detail::model_entry;
using detail::version_record;

double manager::impl::ms_since(time_point t) const {
  return std::chrono::duration<double, std::milli>(clk->now() - t).count();
}

nlohmann::json manager::impl::version_json(const model_entry& e, const version_record& r) const {
  nlohmann::json labels = nlohmann::json::array();
  for (const auto& l : e.labels)
    if (l.active && l.version == r.version) labels.push_back(l.name);
  nlohmann::json j{
      {"version", r.version},
      {"state", to_string(r.state)},
      {"reason", r.reason},
      {"dir", r.disk.dir.string()},
      {"on_disk", r.on_disk},
      {"published", r.live != nullptr && e.serving.peek() == r.live},
      {"labels", labels},
      {"attempts", r.attempts},
      {"estimated_bytes", r.estimated_bytes},
      {"measured_bytes", r.measured_bytes},
      {"handles", handles(e, r)},
  };
  if (r.load_started != time_point{}) {
    j["load_started_ms_ago"] = ms_since(r.load_started);
    j["load_duration_ms"] = std::chrono::duration<double, std::milli>(r.load_duration).count();
  }
  if (r.loaded_at != time_point{}) j["loaded_ms_ago"] = ms_since(r.loaded_at);
  if (r.retry_at) j["retry_in_ms"] = -ms_since(*r.retry_at);
  if (r.disk.manifest) {
    j["loader"] = r.disk.manifest->loader;
    j["format"] = r.disk.manifest->format;
    j["features"] = r.disk.manifest->features;
    j["metadata"] = r.disk.manifest->metadata;
  }
  if (r.stats) {
    const auto& s = *r.stats;
    nlohmann::json buckets = nlohmann::json::array();
    for (std::size_t b = 0; b < s.latency.size(); ++b)
      if (auto n = s.latency[b].load(std::memory_order_relaxed))
        buckets.push_back({{"le_us", std::uint64_t{1} << b}, {"count", n}});
    j["requests"] = s.requests.load(std::memory_order_relaxed);
    j["rows"] = s.rows.load(std::memory_order_relaxed);
    j["errors"] = s.errors.load(std::memory_order_relaxed);
    j["latency_us"] = {{"p50", s.quantile(0.5)},
                       {"p99", s.quantile(0.99)},
                       {"sum", s.latency_sum_us.load(std::memory_order_relaxed)},
                       {"buckets", buckets}};
    auto last = s.last_access.load(std::memory_order_relaxed);
    if (last) j["last_access_ms_ago"] = ms_since(time_point(duration(last)));
  }
  return j;
}

nlohmann::json manager::impl::model_summary(const model_entry& e) const {
  nlohmann::json labels = nlohmann::json::object();
  for (const auto& l : e.labels)
    if (l.active) labels[l.name] = l.version;
  auto* serving = e.serving.peek();
  nlohmann::json j{{"name", e.name},
                   {"required", e.opts.required},
                   {"lazy", e.opts.lazy},
                   {"policy", e.opts.policy.describe()},
                   {"mode", e.opts.mode == swap_mode::availability_preserving ? "availability_preserving"
                                                                               : "resource_preserving"},
                   {"serving", serving ? nlohmann::json(serving->version) : nlohmann::json(nullptr)},
                   {"available", serving != nullptr},
                   {"labels", labels}};
  if (e.opts.idle_ttl.count() > 0)
    j["idle_ttl_ms"] = std::chrono::duration_cast<std::chrono::milliseconds>(e.opts.idle_ttl).count();
  return j;
}

nlohmann::json manager::list() const {
  std::lock_guard lock(impl_->mu);
  nlohmann::json models = nlohmann::json::array();
  for (const auto& [name, e] : impl_->models) {
    auto j = impl_->model_summary(*e);
    nlohmann::json states = nlohmann::json::object();
    for (const auto& [v, r] : e->versions) states[std::to_string(v)] = to_string(r.state);
    j["versions"] = states;
    models.push_back(std::move(j));
  }
  auto [skipped, skipped_count] = impl_->repo.skipped();  // its own lock; set by the last scan
  nlohmann::json skipped_json = nlohmann::json::array();
  for (const auto& s : skipped) skipped_json.push_back({{"path", s.path}, {"reason", s.reason}});
  return {{"models", models},
          {"skipped", skipped_json},
          {"skipped_count", skipped_count},
          {"ready", ready()},
          {"memory", {{"budget_bytes", impl_->opts.memory_budget},
                      {"used_bytes", impl_->used_bytes},
                      {"reserved_bytes", impl_->reserved_bytes}}},
          {"root", impl_->opts.root.string()}};
}

std::optional<nlohmann::json> manager::show(std::string_view model) const {
  std::lock_guard lock(impl_->mu);
  auto* e = impl_->find(model);
  if (!e) return std::nullopt;
  auto j = impl_->model_summary(*e);
  nlohmann::json versions = nlohmann::json::array();
  for (const auto& [v, r] : e->versions) versions.push_back(impl_->version_json(*e, r));
  j["versions"] = versions;
  return j;
}

nlohmann::json manager::transitions(std::size_t limit) const {
  std::lock_guard lock(impl_->mu);
  nlohmann::json out = nlohmann::json::array();
  auto& log = impl_->log;
  std::size_t first = log.size() > limit ? log.size() - limit : 0;
  for (std::size_t k = first; k < log.size(); ++k) {
    const auto& t = log[k];
    out.push_back({{"ms_ago", impl_->ms_since(t.at)},
                   {"model", t.model},
                   {"version", t.version},
                   {"from", to_string(t.from)},
                   {"to", to_string(t.to)},
                   {"reason", t.reason}});
  }
  return out;
}

}  // namespace lifespan::models
