#pragma once
// A service: components registered with their dependencies and criticality, then run as one unit.
//
//   lifespan::service svc{"shop"};
//   svc.add<database>("db");                                        // critical by default
//   svc.add<cache>("cache").ready_gating().depends_on<database>();
//   svc.add<warmer>("warmer").background().optional<cache>();
//   return svc.main(argc, argv);                                    // --config, --set, --check-config ...
//
// Registration only records declarations: nothing is constructed until run(), after the whole graph
// and configuration were validated. All public member functions may be called from any thread
// except the registration ones (add, replace, on_event), which must precede run().
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "lifespan/core/command_line.hpp"
#include "lifespan/core/component.hpp"
#include "lifespan/core/detail/registration.hpp"
#include "lifespan/core/events.hpp"
#include "lifespan/core/status.hpp"
#include "lifespan/core/timeline.hpp"

namespace lifespan {

// Exit codes of run() and main().
enum exit_code : int {
  exit_ok = 0,
  exit_startup_failed = 1,   // a critical component failed or timed out, or the startup deadline passed
  exit_invalid = 2,          // configuration or graph invalid (nothing was started)
  exit_stop_timed_out = 3,   // a drain or a stop() exceeded its budget; the rest still stopped (an abandoned start() does not count)
};

struct service_options {
  // Own SIGTERM, SIGINT, SIGHUP and SIGUSR1: they are blocked in the constructing thread at once (so
  // threads created afterwards inherit the mask) and handled by a dedicated thread from run() on.
  // SIGXFSZ is ignored from construction on (unless a handler is installed): a file reaching the
  // file-size limit (`ulimit -f`) fails with EFBIG, an error to report, instead of killing the process.
  bool own_signals = true;
  std::shared_ptr<lifespan::clock> clock;  // default: the steady clock
  std::filesystem::path config_file;       // empty: built-in defaults only
  // A larger configuration file is refused (--config-max-bytes): bounds the time and memory a wrong
  // or hostile file can cost.
  std::size_t max_config_bytes = config::default_max_file_bytes;
  std::vector<std::string> config_overrides; // "section.key=value", applied after the environment
  bool read_environment = true;             // <NAME>__SECTION__KEY=value overrides
  bool install_logger = true;               // log lifecycle events through spdlog
};

class component_builder;

class component_watch {
 public:
  component_watch() = default;
  component_watch(const detail::slot* s, std::string name) : slot_(s), name_(std::move(name)) {}
  const std::string& name() const noexcept { return name_; }
  bool usable() const noexcept { return slot_ != nullptr && slot_->usable(); }
  component_state state() const noexcept {
    return slot_ ? slot_->state.load(std::memory_order_acquire) : component_state::registered;
  }
  health_status health() const noexcept {
    return slot_ ? slot_->health.load(std::memory_order_relaxed) : health_status::failed;
  }

 private:
  const detail::slot* slot_ = nullptr;
  std::string name_;
};

class service {
 public:
  explicit service(std::string name, service_options options = {});
  ~service();
  service(const service&) = delete;
  service& operator=(const service&) = delete;

  const std::string& name() const noexcept;

  // Registers a component of type T, constructed as T(options, args...) when T declares
  //   struct options; static options read_options(lifespan::config::section&);
  // (its configuration section, validated before anything starts), else as T(args...).
  template <class T, class... Args>
  component_builder add(std::string name, Args... args);
  // Registers a component built by `make` (called by the runtime's supervisor, once per attempt).
  template <class T>
  component_builder add_factory(std::string name, std::function<std::unique_ptr<T>()> make);

  // Test override: the component registered with type T is built by `make` instead (T's subclasses
  // welcome). Declarations (name, dependencies, criticality) stay as registered.
  template <class T>
  void replace(std::function<std::unique_ptr<T>()> make) {
    replace_factory(detail::type_key_of<T>(), detail::type_name<T>(), detail::typed_factory<T>(std::move(make)));
  }

  void on_event(event_listener listener);

  // Validates configuration and graph without side effects. Empty when everything is valid; otherwise
  // every problem, one line each, naming the component or key, the cause and the fix.
  std::vector<std::string> check();

  // Runs the service until shutdown: validate, start along the graph, serve, shut down. Blocking.
  // Returns an exit_code (or the code given to request_shutdown).
  int run();

  // Command-line entry: --config FILE, --set k=v (repeatable), --config-max-bytes N, --check-config,
  // --print-graph dot|json, then run(). Returns the process exit code. With own_signals, a
  // termination signal before anything was started (the configuration being read or checked) ends
  // the process at once, killed by that signal.
  int main(int argc, char** argv);
  int main(const command_line& options);

  // Thread-safe; also safe before run() (the run then starts and immediately shuts down).
  void request_shutdown(int exit_code = exit_ok);
  void request_reload();

  // Lazy components: the instance, starting it (single-flight) if needed; nullptr when it is not up
  // within `wait` (zero: "not now" at once, the start still proceeds), fails, or the service stops.
  template <class T>
  T* use(std::chrono::milliseconds wait) {
    return static_cast<T*>(use_component(detail::type_key_of<T>(), {}, wait));
  }

  // A cheap view of one component for request paths (an HTTP route that needs it, say): usable()
  // is one atomic load. Valid from the moment run() has created the runtime (READY listeners and
  // components' start() may call it) until the service is destroyed. Throws std::invalid_argument
  // naming the nearest registered component when `name` is unknown, std::logic_error before run().
  component_watch watch(std::string_view name) const;

  service_state state() const noexcept;
  // Ready for traffic: every critical and ready-gating component usable, and not stopping.
  bool is_ready() const noexcept;
  bool is_degraded() const noexcept;
  // A consistent copy of every component's state and health; never calls into a component.
  service_status status() const;
  timeline startup_timeline() const;
  std::string graph_dot();
  nlohmann::json graph_json();

  // State another area keeps per service (the metrics registry, say): made by `make` on the first
  // call with `key` (the address of something of that area's), the same object on every later call,
  // destroyed with the service after its runtime. `make` may itself call attachment() (another key).
  // Any thread.
  std::shared_ptr<void> attachment(const void* key, const std::function<std::shared_ptr<void>()>& make);
  // A default for one configuration key, "section.key=value" (add_server sets
  // "shutdown.readiness_delay=5s"): used only when neither the file, the environment nor an override
  // sets the key. Registration only. Throws std::invalid_argument for another shape.
  void config_default(std::string assignment);
  // run() has begun: registration (add, on_event) is over.
  bool running() const noexcept;

 private:
  friend class component_builder;
  detail::registration& add_registration(std::string name, const void* type, std::string type_name,
                                         detail::factory make, detail::options_reader reader);
  void replace_factory(const void* type, std::string type_name, detail::factory make);
  void* use_component(const void* type, std::string_view name, std::chrono::milliseconds wait);
  service_options& impl_options();
  void own_signals_now();  // with own_signals: the signal thread, from now until run() or main() returns

  struct impl;
  std::unique_ptr<impl> impl_;
};

// Fluent declaration of one component; valid until run().
class component_builder {
 public:
  explicit component_builder(detail::registration& r) : r_(&r) {}

  component_builder& criticality(lifespan::criticality c) { r_->decl.criticality = c; return *this; }
  component_builder& critical() { return criticality(lifespan::criticality::critical); }
  component_builder& ready_gating() { return criticality(lifespan::criticality::ready); }
  component_builder& background() { return criticality(lifespan::criticality::background); }
  component_builder& lazy() { return criticality(lifespan::criticality::lazy); }

  template <class T> component_builder& depends_on() { r_->decl.required.push_back(detail::by_type<T>()); return *this; }
  component_builder& depends_on(std::string name) { r_->decl.required.push_back({std::move(name), nullptr, {}}); return *this; }
  template <class T> component_builder& optional() { r_->decl.optional.push_back(detail::by_type<T>()); return *this; }
  component_builder& optional(std::string name) { r_->decl.optional.push_back({std::move(name), nullptr, {}}); return *this; }

  // Defaults; the component's configuration section may override each (start_timeout: 5s, ...).
  component_builder& start_timeout(duration d) { r_->timeouts.start = d; return *this; }
  component_builder& stop_timeout(duration d) { r_->timeouts.stop = d; return *this; }
  component_builder& health_every(duration interval, duration timeout) {
    r_->timeouts.health_interval = interval;
    r_->timeouts.health_timeout = timeout;
    return *this;
  }

 private:
  detail::registration* r_;
};

template <class T, class... Args>
component_builder service::add(std::string name, Args... args) {
  static_assert(std::is_base_of_v<component, T>, "service::add<T>: T must derive from lifespan::component");
  auto [make, reader] = detail::make_factory<T>(std::move(args)...);
  auto& r = add_registration(std::move(name), detail::type_key_of<T>(), detail::type_name<T>(), std::move(make),
                             std::move(reader));
  r.hooks = detail::overrides_of<T>();
  return component_builder(r);
}

template <class T>
component_builder service::add_factory(std::string name, std::function<std::unique_ptr<T>()> make) {
  static_assert(std::is_base_of_v<component, T>, "service::add_factory<T>: T must derive from lifespan::component");
  return component_builder(add_registration(std::move(name), detail::type_key_of<T>(), detail::type_name<T>(),
                                            detail::typed_factory<T>(std::move(make)), nullptr));
}

}  // namespace lifespan
