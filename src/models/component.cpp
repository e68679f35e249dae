#include "lifespan/models/component.hpp"

#include <stdexcept>

#include "lifespan/metrics/registry.hpp"
#include "lifespan/models/repository.hpp"
#include "metrics.hpp"

namespace lifespan::models {

namespace {

model_options read_model(config::section s, const model_options& base) {
  model_options m = base;
  m.required = s.get<bool>("required", m.required);
  m.lazy = s.get<bool>("lazy", m.lazy);
  auto policy = s.get<std::string>("policy", "latest");
  if (policy == "latest") {
    m.policy = version_policy::latest_n(static_cast<std::size_t>(std::max<std::int64_t>(1, s.get<std::int64_t>("latest", 1))));
  } else if (policy == "all") {
    m.policy = version_policy::all_versions();
  } else if (policy == "specific") {
    std::vector<std::uint64_t> versions;
    for (const auto& v : s.get<std::vector<std::string>>("versions", {})) {
      try {
        versions.push_back(std::stoull(v));
      } catch (const std::exception&) {
        s.report("versions", "'" + v + "' is not a version number", "versions are directory names: [\"3\", \"4\"]");
      }
    }
    if (versions.empty()) s.report("versions", "policy 'specific' needs at least one version", "versions: [\"3\"]");
    m.policy = version_policy::only(std::move(versions));
  } else {
    s.report("policy", "unknown version policy '" + policy + "'", "one of: latest, all, specific");
  }
  auto mode = s.get<std::string>("mode", m.mode == swap_mode::availability_preserving ? "availability_preserving"
                                                                                     : "resource_preserving");
  if (mode == "availability_preserving") m.mode = swap_mode::availability_preserving;
  else if (mode == "resource_preserving") m.mode = swap_mode::resource_preserving;
  else s.report("mode", "unknown swap mode '" + mode + "'", "availability_preserving (default) or resource_preserving");
  m.idle_ttl = s.get<duration>("idle_ttl", m.idle_ttl);
  m.max_attempts = s.get<int>("max_attempts", m.max_attempts);
  m.retry_initial = s.get<duration>("retry_initial", m.retry_initial);
  m.retry_max = s.get<duration>("retry_max", m.retry_max);
  m.load_timeout = s.get<duration>("load_timeout", m.load_timeout);
  if (m.required && m.idle_ttl.count() > 0)
    s.report("idle_ttl", "not allowed for a required model (an idle unload would make the service unready)",
             "remove idle_ttl or set required: false");
  if (m.required && m.lazy) s.report("lazy", "a required model cannot be lazy", "drop lazy or required");
  return m;
}

}  // namespace

models_component::options models_component::read_options(config::section& section) {
  options o;
  auto& m = o.manager;
  if (auto root = section.require<std::string>("root")) m.root = *root;
  auto budget = section.get<std::int64_t>("memory_budget", 0);
  if (budget < 0) section.report("memory_budget", "must be a number of bytes, 0 for unlimited");
  m.memory_budget = static_cast<std::uint64_t>(std::max<std::int64_t>(0, budget));
  m.load_threads = section.get<int>("load_threads", m.load_threads);
  if (m.load_threads < 1) section.report("load_threads", "must be at least 1");
  m.load_nice = section.get<int>("load_nice", m.load_nice);
  if (m.load_nice < 0 || m.load_nice > 19)
    section.report("load_nice", "must be 0..19 (added to the load threads' nice value; 0 keeps the process's)");
  m.watch = section.get<bool>("watch", m.watch);
  m.rescan_interval = section.get<duration>("rescan_interval", m.rescan_interval);
  m.serve_unlisted = section.get<bool>("serve_unlisted", m.serve_unlisted);
  m.follow_symlinks = section.get<bool>("follow_symlinks", m.follow_symlinks);
  if (section.has("defaults")) m.defaults = read_model(section.child("defaults"), m.defaults);
  if (section.has("models")) {
    auto models = section.child("models");
    for (const auto& name : models.keys()) {
      if (!valid_model_name(name))
        models.report(name, "not a valid model name", "letters, digits, '_', '-', '.', as the directory under root");
      m.models[name] = read_model(models.child(name), m.defaults);
    }
  }
  return o;
}

models_component::models_component(options o, std::function<void(loader_registry&)> add_loaders)
    : options_(std::move(o)), add_loaders_(std::move(add_loaders)) {}

models_component::models_component(options o, service* metrics_of, std::function<void(loader_registry&)> add_loaders)
    : options_(std::move(o)), add_loaders_(std::move(add_loaders)), metrics_of_(metrics_of) {}

models_component::~models_component() {
  if (metrics_) metrics_->attach(nullptr);  // before manager_ goes, also when start() failed
}

void models_component::start(context& ctx) {
  loader_registry loaders;
  add_xgboost_loader(loaders);
  if (add_loaders_) add_loaders_(loaders);
  manager_ = std::make_unique<models::manager>(options_.manager, std::move(loaders));
  manager_->start();  // throws std::invalid_argument naming the model and key
  if (metrics_of_ && !metrics_) {
    metrics_ = std::make_shared<detail::metrics_collector>();
    metrics::of(*metrics_of_).add(metrics_);
  }
  if (metrics_) metrics_->attach(manager_.get());
  auto stop = ctx.stop_token();
  while (!manager_->wait_ready(std::chrono::milliseconds(100), stop)) {
    if (stop.stop_requested()) {  // start timeout, or the service is stopping
      std::string why;
      for (const auto& r : manager_->not_ready()) why += "; " + r;
      throw std::runtime_error("cancelled while waiting for required models" + why);
    }
    if (auto why = manager_->blocked()) throw std::runtime_error(*why);
  }
}

void models_component::stop(time_point deadline) {
  (void)deadline;
  if (metrics_) metrics_->attach(nullptr);  // a concurrent scrape finishes first (the collector's lock)
  manager_.reset();
}

std::optional<health_report> models_component::check_health(std::stop_token cancel) {
  (void)cancel;
  if (!manager_) return std::nullopt;
  std::string missing;
  auto list = manager_->list();
  for (const auto& m : list["models"])
    if (!m["required"].get<bool>() && !m["lazy"].get<bool>() && !m["available"].get<bool>())
      missing += (missing.empty() ? "" : ", ") + m["name"].get<std::string>();
  if (missing.empty()) return health_report::ok();
  return health_report::degraded("fallback mode: optional model(s) without a version: " + missing +
                                 " (GET /models/<name> says why)");
}

std::string models_component::mode() const {
  if (!manager_) return "fallback";
  for (const auto& m : manager_->list()["models"])
    if (!m["lazy"].get<bool>() && !m["available"].get<bool>()) return "fallback";
  return "hybrid";
}

}  // namespace lifespan::models
