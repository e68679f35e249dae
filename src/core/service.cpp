#include "lifespan/core/service.hpp"

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstring>
#include <cstdlib>
#include <deque>
#include <iostream>
#include <mutex>
#include <optional>
#include <stdexcept>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "lifespan/core/file_errors.hpp"
#include "lifespan/util/nearest_name.hpp"
#include "config_reader.hpp"
#include "logging.hpp"
#include "prepare.hpp"
#include "runtime.hpp"
#include "signals.hpp"

namespace lifespan {
namespace {

// How long a reload may take to read the configuration before it is abandoned (config_reader.hpp).
constexpr auto reload_read_deadline = std::chrono::seconds(5);

}  // namespace

struct service::impl {
  // First, so destroyed last: attachments (a metrics registry, say) may be read until the runtime is gone.
  std::recursive_mutex attachments_mutex;  // recursive: a `make` may attach state of its own
  std::vector<std::pair<const void*, std::shared_ptr<void>>> attachments;
  std::string name;
  service_options options;
  std::deque<detail::registration> registrations;  // stable addresses for component_builder
  std::vector<event_listener> listeners;
  std::vector<std::string> override_problems;
  std::shared_ptr<spdlog::logger> logger;

  std::mutex runtime_mutex;              // guards creation of `runtime`; readers then use the pointer
  std::unique_ptr<detail::runtime> runtime;
  std::atomic<detail::runtime*> live{nullptr};
  std::atomic<bool> started{false};
  std::atomic<int> early_shutdown{-1};   // a shutdown requested before run(): its exit code
  std::atomic<int> signals_seen{0};

  std::vector<std::string> config_defaults;
  std::shared_ptr<const config::document> started_with;  // set by run() before signals can reload
  // Reads the configuration for reloads off the supervisor (config_reader.hpp). After `runtime`, so
  // destroyed before it.
  std::unique_ptr<detail::config_reader> reader;
  // Last: destroyed first, as its thread calls on_signal().
  std::unique_ptr<detail::signal_thread> signals;

  detail::config_source source() const {
    return {name, options.config_file, options.config_overrides, options.read_environment, config_defaults,
            options.max_config_bytes};
  }
  void reload();
  void apply_reload(detail::config_reader::outcome read);
  void on_signal(int signo);
};

service::service(std::string name, service_options options) : impl_(std::make_unique<impl>()) {
  impl_->name = std::move(name);
  impl_->options = std::move(options);
  if (!impl_->options.clock) impl_->options.clock = steady();
  if (impl_->options.own_signals) {
    detail::block_lifecycle_signals();
    ignore_file_size_signal();  // a file-size limit is an EFBIG error to report, not a silent death
  }
}

service::~service() = default;

const std::string& service::name() const noexcept { return impl_->name; }

service_options& service::impl_options() { return impl_->options; }

std::shared_ptr<void> service::attachment(const void* key, const std::function<std::shared_ptr<void>()>& make) {
  std::lock_guard lock(impl_->attachments_mutex);
  for (const auto& [k, v] : impl_->attachments)
    if (k == key) return v;
  auto made = make();
  impl_->attachments.emplace_back(key, made);
  return made;
}

bool service::running() const noexcept { return impl_->started.load(); }

void service::config_default(std::string assignment) {
  if (impl_->started) throw std::logic_error(fmt::format("service::config_default(\"{}\") after run()", assignment));
  const auto dot = assignment.find('.'), equals = assignment.find('=');
  if (dot == 0 || dot == std::string::npos || equals == std::string::npos || equals < dot + 2)
    throw std::invalid_argument(fmt::format("service::config_default(\"{}\"): expected section.key=value", assignment));
  impl_->config_defaults.push_back(std::move(assignment));
}

detail::registration& service::add_registration(std::string name, const void* type, std::string type_name,
                                                detail::factory make, detail::options_reader reader) {
  if (impl_->started) throw std::logic_error(fmt::format("service::add(\"{}\") after run(): register every component first", name));
  auto& r = impl_->registrations.emplace_back();
  r.decl.name = std::move(name);
  r.decl.type = type;
  r.decl.type_name = std::move(type_name);
  r.make = std::move(make);
  r.read_options = std::move(reader);
  return r;
}

void service::replace_factory(const void* type, std::string type_name, detail::factory make) {
  std::size_t replaced = 0;
  for (auto& r : impl_->registrations)
    if (r.decl.type == type) {
      r.make = make;
      r.hooks = {};  // the replacement may be a subclass that overrides any hook
      ++replaced;
    }
  if (replaced == 0)
    impl_->override_problems.push_back(fmt::format(
        "replace<{0}>: no component of type '{0}' is registered; register it with add<{0}>(\"name\") before replacing it", type_name));
}

void service::on_event(event_listener listener) { impl_->listeners.push_back(std::move(listener)); }

std::vector<std::string> service::check() {
  std::vector<std::string> problems = impl_->override_problems;
  (void)detail::prepare(impl_->registrations, impl_->source(), problems);
  return problems;
}

void service::own_signals_now() {
  if (impl_->options.own_signals && !impl_->signals)
    impl_->signals = std::make_unique<detail::signal_thread>([this](int signo) { impl_->on_signal(signo); });
}

int service::run() {
  if (impl_->started.exchange(true)) throw std::logic_error("service::run() called twice");
  own_signals_now();  // before the configuration is read: a signal must end a read that blocks
  std::vector<std::string> problems = impl_->override_problems;
  auto prepared = detail::prepare(impl_->registrations, impl_->source(), problems);
  const auto& s = prepared ? prepared->settings : detail::runtime_settings{};
  try {
    impl_->logger = detail::make_logger(impl_->name, {s.log_format, s.log_level, s.log_file});
  } catch (const std::exception& e) {
    problems.push_back(e.what());
    impl_->logger = detail::make_logger(impl_->name, {});
  }
  if (!problems.empty()) {
    impl_->logger->error("configuration or component graph invalid ({} problem{}); nothing was started:", problems.size(),
                         problems.size() == 1 ? "" : "s");
    for (const auto& p : detail::listed(problems)) impl_->logger->error("  {}", p);
    impl_->signals.reset();
    return exit_invalid;
  }

  auto listeners = impl_->listeners;
  // With install_logger, the service's logger is also spdlog's default while it runs, so what the
  // areas and the application log through spdlog::info() & co. (the server's "listening on", a
  // component's warnings) has the service's format, level and destination.
  std::shared_ptr<spdlog::logger> previous_default;
  if (impl_->options.install_logger) {
    listeners.insert(listeners.begin(), detail::log_events(impl_->logger, s.log_format == "json"));
    previous_default = spdlog::default_logger();
    spdlog::set_default_logger(impl_->logger);
  }
  {
    std::lock_guard lock(impl_->runtime_mutex);
    impl_->started_with = prepared->document;
    impl_->runtime = std::make_unique<detail::runtime>(impl_->registrations, std::move(prepared->components),
                                                       prepared->graph, s, impl_->options.clock, std::move(listeners));
    const auto& file = impl_->options.config_file;
    impl_->reader = std::make_unique<detail::config_reader>(
        impl_->runtime->supervisor_loop(), reload_read_deadline,
        file.empty() ? std::string("the configuration") : "the configuration file " + file.string());
    impl_->live.store(impl_->runtime.get(), std::memory_order_release);
  }
  if (const int code = impl_->early_shutdown.load(); code >= 0) impl_->runtime->request_shutdown(code);
  const int code = impl_->runtime->run();
  impl_->signals.reset();
  impl_->logger->flush();
  if (previous_default && spdlog::default_logger() == impl_->logger) spdlog::set_default_logger(previous_default);
  return code;
}

void service::impl::on_signal(int signo) {
  auto* rt = live.load(std::memory_order_acquire);
  if (signo == SIGHUP) {
    if (rt) rt->post([this] { reload(); });  // before the runtime: the configuration is being read anyway
    return;
  }
  if (signo == SIGUSR1) {
    if (rt) detail::reopen_log_files(*logger);  // the logger is set before `live`
    return;
  }
  if (rt == nullptr)  // the configuration is being read or checked: nothing to stop
    detail::end_by_signal(signo, fmt::format("{}: {} before anything was started (reading or checking the "
                                             "configuration): exiting at once", name, ::strsignal(signo)));
  const int count = ++signals_seen;
  if (count >= 3) {
    // Third signal: the operator means it. No destructors, no flushing beyond what is written.
    static const char message[] = "third termination signal: exiting at once\n";
    (void)!::write(STDERR_FILENO, message, sizeof message - 1);
    std::_Exit(128 + signo);
  }
  if (rt) rt->request_shutdown(exit_ok);
}

// Supervisor. The file is read on the config_reader's thread, with a deadline: a FIFO or a hung mount
// at the path never blocks the supervisor (and with it, shutdown).
void service::impl::reload() {
  reader->submit({[this] { runtime->emit(event_kind::reload_started, nullptr); },
                  [from = source()](config::error_list& errors) { return detail::load_document(from, errors); },
                  [this](detail::config_reader::outcome read) { apply_reload(std::move(read)); }});
}

// Supervisor: validates what was read, exactly as at startup, and hands it to the components.
void service::impl::apply_reload(detail::config_reader::outcome read) {
  std::vector<std::string> problems;
  if (!read.failure.empty()) problems.push_back(std::move(read.failure));
  auto doc = std::move(read.document);
  if (doc) {
    (void)detail::read_runtime_settings(*doc, read.errors);
    for (const auto& e : read.errors) problems.push_back(e.to_string());
    if (problems.empty()) (void)detail::read_sections(registrations, *doc, problems);
  }
  if (!problems.empty()) doc = nullptr;
  runtime->reload_components(std::move(doc), started_with, detail::listed(problems));
}

void service::request_shutdown(int exit_code) {
  if (auto* rt = impl_->live.load(std::memory_order_acquire)) {
    rt->request_shutdown(exit_code);
  } else {
    int none = -1;  // the first request's code wins, as it does once the runtime exists
    impl_->early_shutdown.compare_exchange_strong(none, exit_code);
    if (auto* late = impl_->live.load(std::memory_order_acquire)) late->request_shutdown(exit_code);
  }
}

void service::request_reload() {
  if (auto* rt = impl_->live.load(std::memory_order_acquire)) rt->post([this] { impl_->reload(); });
}

void* service::use_component(const void* type, std::string_view name, std::chrono::milliseconds wait) {
  auto* rt = impl_->live.load(std::memory_order_acquire);
  if (rt == nullptr) return nullptr;
  detail::node* n = rt->find(type, name);
  return n ? rt->use(*n, wait) : nullptr;
}

component_watch service::watch(std::string_view name) const {
  auto* rt = impl_->live.load(std::memory_order_acquire);
  if (rt == nullptr) throw std::logic_error(fmt::format("service::watch(\"{}\") before run(): the runtime does not exist yet", name));
  if (detail::node* n = rt->find(nullptr, name)) return component_watch(&n->pub, std::string(name));
  std::vector<std::string> names;
  for (const auto& r : impl_->registrations) names.push_back(r.decl.name);
  throw std::invalid_argument(fmt::format("no component named '{}' is registered{}", name, did_you_mean(name, names)));
}

service_state service::state() const noexcept {
  auto* rt = impl_->live.load(std::memory_order_acquire);
  return rt ? rt->state() : service_state::uninitialized;
}

bool service::is_ready() const noexcept {
  auto* rt = impl_->live.load(std::memory_order_acquire);
  return rt != nullptr && rt->ready();
}

bool service::is_degraded() const noexcept {
  auto* rt = impl_->live.load(std::memory_order_acquire);
  return rt != nullptr && rt->degraded();
}

service_status service::status() const {
  if (auto* rt = impl_->live.load(std::memory_order_acquire)) return rt->status();
  service_status s;
  for (const auto& r : impl_->registrations) {
    component_status c;
    c.name = r.decl.name;
    c.criticality = r.decl.criticality;
    s.components.push_back(std::move(c));
  }
  return s;
}

timeline service::startup_timeline() const {
  auto* rt = impl_->live.load(std::memory_order_acquire);
  return rt ? rt->timeline() : timeline{};
}

namespace {

// The graph as declared, or nullopt when it is invalid (check() says why).
std::optional<std::pair<std::vector<graph::declaration>, graph::resolved>> resolve_declared(
    const std::deque<detail::registration>& registrations) {
  std::vector<graph::problem> problems;
  auto decls = detail::declarations_of(registrations);
  auto g = graph::resolve(decls, problems);
  if (!problems.empty()) return std::nullopt;
  return std::make_pair(std::move(decls), std::move(g));
}

}  // namespace

std::string service::graph_dot() {
  auto g = resolve_declared(impl_->registrations);
  return g ? graph::to_dot(g->first, g->second) : std::string{};
}

nlohmann::json service::graph_json() {
  auto g = resolve_declared(impl_->registrations);
  return g ? graph::to_json(g->first, g->second) : nlohmann::json{};
}

}  // namespace lifespan
