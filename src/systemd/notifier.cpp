// The event listener and the timer thread behind systemd::install().
#include <time.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "lifespan/systemd/notify.hpp"

namespace lifespan::systemd {
namespace {

std::string environment(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

std::uint64_t monotonic_usec() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000u + static_cast<std::uint64_t>(ts.tv_nsec) / 1000u;
}

struct liveness_checks {
  std::mutex mutex;
  std::vector<std::weak_ptr<const std::function<bool()>>> checks;

  bool all_pass() {
    std::vector<std::shared_ptr<const std::function<bool()>>> live;
    {
      std::lock_guard lock(mutex);
      std::erase_if(checks, [](const auto& w) { return w.expired(); });
      for (const auto& w : checks)
        if (auto c = w.lock()) live.push_back(std::move(c));
    }
    for (const auto& c : live)
      if (!(*c)()) return false;
    return true;
  }
};

std::shared_ptr<liveness_checks> checks_of(service& svc) {
  static const char key = 0;
  return std::static_pointer_cast<liveness_checks>(svc.attachment(&key, [] { return std::make_shared<liveness_checks>(); }));
}

// Lives as long as the service (an attachment); its thread runs from the first event of a run until
// the run ends, and is joined at the latest by the destructor.
class notifier {
 public:
  notifier(service& svc, options o)
      : svc_(svc), options_(std::move(o)), socket_(options_.socket), checks_(checks_of(svc)) {}
  ~notifier() {
    finish();
    if (thread_.joinable()) thread_.join();
  }

  void on_event(const lifecycle_event& e) {
    switch (e.kind) {
      case event_kind::service_state_changed: return on_state(e.state);
      case event_kind::component_starting:
        starting_.insert(e.component);
        return starting_status();
      case event_kind::component_up:
      case event_kind::component_failed:
        if (starting_.erase(e.component) != 0 && e.kind == event_kind::component_up) ++up_;
        return starting_status();
      case event_kind::shutdown_phase:
        // The stop phase ends every run, a clean stop (STOPPED follows) and an aborted startup alike
        // (the state stays ERROR: no STOPPED comes), so it ends the extending here. The runtime names
        // the phase in `detail`.
        if (e.detail == "stop" || e.component == "stop") finish();
        return;
      case event_kind::reload_started:
        socket_.send(fmt::format("RELOADING=1\nMONOTONIC_USEC={}\nSTATUS=reloading the configuration", monotonic_usec()));
        return;
      case event_kind::reload_finished:
        if (e.detail.empty()) socket_.send("READY=1\nSTATUS=ready (configuration reloaded)");
        else if (e.applied.empty()) socket_.send(fmt::format("READY=1\nSTATUS=ready (reload rejected: {})", e.detail));
        else socket_.send(fmt::format("READY=1\nSTATUS=ready (configuration partly reloaded; not applied: {})", e.detail));
        return;
      default:
        return;
    }
  }

 private:
  void on_state(service_state s) {
    switch (s) {
      case service_state::initializing:
        set_phase(phase::extending);
        socket_.send("STATUS=starting");
        break;
      case service_state::ready:
        set_phase(phase::serving);
        socket_.send("READY=1\nSTATUS=ready");
        break;
      case service_state::running:
        socket_.send("STATUS=ready (every component up)");
        break;
      case service_state::stopping:
      case service_state::error:
        set_phase(phase::extending);
        socket_.send(s == service_state::error ? "STOPPING=1\nSTATUS=startup failed, stopping" : "STOPPING=1\nSTATUS=stopping");
        break;
      case service_state::stopped:
        finish();
        break;
      default:
        break;
    }
  }

  void starting_status() {
    if (phase_ != phase::extending || svc_.state() != service_state::initializing) return;
    std::string names;
    for (const auto& n : starting_) names += (names.empty() ? "" : ", ") + n;
    socket_.send(fmt::format("STATUS=starting: {} up{}{}", up_, names.empty() ? "" : ", starting ", names));
  }

  enum class phase { idle, extending, serving, done };

  void set_phase(phase p) {
    {
      std::lock_guard lock(mutex_);
      if (phase_ == phase::done) return;
      phase_ = p;
      if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
    }
    changed_.notify_all();
  }

  void finish() {
    {
      std::lock_guard lock(mutex_);
      phase_ = phase::done;
    }
    changed_.notify_all();
  }

  // EXTEND_TIMEOUT_USEC while starting or stopping, WATCHDOG=1 throughout (while the checks pass).
  void run() {
    using clock = std::chrono::steady_clock;
    const bool watchdog = options_.watchdog.has_value();
    const std::chrono::microseconds watchdog_every = watchdog ? *options_.watchdog / 2 : std::chrono::microseconds::zero();
    auto next_extend = clock::now();
    auto next_watchdog = clock::now();
    std::unique_lock lock(mutex_);
    while (phase_ != phase::done) {
      const auto now = clock::now();
      if (phase_ == phase::extending && now >= next_extend) {
        // Sent under the lock (a non-blocking send): once finish() has returned, no extension can
        // still be on its way.
        socket_.send(fmt::format("EXTEND_TIMEOUT_USEC={}", std::chrono::microseconds(options_.extend_by).count()));
        next_extend = now + options_.extend_every;
      }
      if (watchdog && now >= next_watchdog) {
        lock.unlock();
        if (checks_->all_pass()) socket_.send("WATCHDOG=1");
        lock.lock();
        next_watchdog = now + watchdog_every;
      }
      // The phase may have changed while the lock was released to send (to `done`, even): compare
      // with what it is now, not with what it was at the top of the loop.
      if (phase_ == phase::done) break;
      auto wake = watchdog ? next_watchdog : now + std::chrono::hours(1);
      if (phase_ == phase::extending) wake = std::min(wake, next_extend);
      const auto before = phase_;
      changed_.wait_until(lock, wake, [&] { return phase_ != before; });
      if (phase_ == phase::extending && before != phase::extending) next_extend = clock::now();
    }
  }

  service& svc_;
  const options options_;
  notify_socket socket_;
  const std::shared_ptr<liveness_checks> checks_;  // not looked up from the thread: the service may be going away
  std::set<std::string> starting_;  // supervisor thread only
  int up_ = 0;
  std::mutex mutex_;
  std::condition_variable changed_;
  phase phase_ = phase::idle;  // written under mutex_; read unlocked only on the supervisor thread
  std::thread thread_;
};

}  // namespace

options options::from_environment() {
  options o;
  o.socket = environment("NOTIFY_SOCKET");
  const auto usec = environment("WATCHDOG_USEC");
  const auto pid = environment("WATCHDOG_PID");
  if (!usec.empty() && (pid.empty() || pid == std::to_string(::getpid()))) {
    char* end = nullptr;
    const auto value = std::strtoull(usec.c_str(), &end, 10);
    if (end && *end == '\0' && value > 0) o.watchdog = std::chrono::microseconds(value);
  }
  return o;
}

void install(service& svc, options o) {
  if (o.socket.empty()) return;
  static const char key = 0;
  bool made = false;
  auto attached = svc.attachment(&key, [&] {
    if (svc.running()) throw std::logic_error("systemd::install: call it before service::run(); it listens to the event stream");
    made = true;
    return std::make_shared<notifier>(svc, std::move(o));
  });
  if (!made) return;
  svc.on_event([n = static_cast<notifier*>(attached.get())](const lifecycle_event& e) { n->on_event(e); });
}

void add_liveness_check(service& svc, std::weak_ptr<const std::function<bool()>> check) {
  auto c = checks_of(svc);
  std::lock_guard lock(c->mutex);
  c->checks.push_back(std::move(check));
}

}  // namespace lifespan::systemd
