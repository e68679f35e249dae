#pragma once
// The systemd notify protocol, spoken directly over $NOTIFY_SOCKET (an AF_UNIX datagram socket; a
// leading '@' names the abstract namespace), without libsystemd. install() turns the service's event
// stream into the messages a `Type=notify` / `Type=notify-reload` unit expects:
//
//   starting            STATUS=starting: <n> up, starting <names>      on each component event
//                       EXTEND_TIMEOUT_USEC=<extend_by>                  every `extend_every` until READY
//   ready               READY=1, STATUS=ready                            once every critical component is up
//   SIGHUP reload       RELOADING=1 + MONOTONIC_USEC=<now>, then READY=1 (STATUS= says whether it applied)
//   shutdown            STOPPING=1, STATUS=stopping; EXTEND_TIMEOUT_USEC= every `extend_every` until the
//                       stop phase ends (after a failed startup too: nothing is sent once the run is over)
//   watchdog            WATCHDOG=1 every WATCHDOG_USEC/2, when $WATCHDOG_USEC is set and $WATCHDOG_PID is
//                       unset or ours, and only while every liveness check passes (the HTTP server's
//                       I/O-pool heartbeat): a pool whose every thread is blocked lets systemd's
//                       watchdog fire.
//
// Without $NOTIFY_SOCKET everything here is a no-op. Sending never blocks (MSG_DONTWAIT) and never
// throws: a manager that is gone must not take the service with it.
//
// Threading: install() before service::run(); add_liveness_check() from any thread. Messages are sent
// from the runtime's supervisor thread (event listener) and from one timer thread of this area's,
// which runs while the service runs and is joined when the service is destroyed.
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "lifespan/core/service.hpp"

namespace lifespan::systemd {

// One datagram socket connected to nothing, sending to the manager's address.
class notify_socket {
 public:
  // `address`: a filesystem path, or '@name' for the abstract namespace. Throws std::invalid_argument
  // when it does not fit a sockaddr_un, std::system_error when no socket can be made.
  explicit notify_socket(std::string address);
  ~notify_socket();
  notify_socket(const notify_socket&) = delete;
  notify_socket& operator=(const notify_socket&) = delete;

  // One message ("READY=1\nSTATUS=ready"); false when it could not be sent. Any thread.
  bool send(std::string_view message) noexcept;
  const std::string& address() const noexcept { return address_; }

 private:
  std::string address_;
  int fd_ = -1;
};

struct options {
  std::string socket;                   // empty: $NOTIFY_SOCKET
  std::optional<std::chrono::microseconds> watchdog;  // unset: $WATCHDOG_USEC (if $WATCHDOG_PID allows)
  std::chrono::milliseconds extend_every{std::chrono::seconds(2)};  // re-send period of EXTEND_TIMEOUT_USEC
  std::chrono::milliseconds extend_by{std::chrono::seconds(10)};    // the extension each message asks for

  // The environment's settings (NOTIFY_SOCKET, WATCHDOG_USEC, WATCHDOG_PID) for this process.
  static options from_environment();
};

// Registers the notifier on `svc` (its event listener and, while the service runs, its timer thread).
// A no-op when no socket is configured; a second call is a no-op. Before run(): throws
// std::logic_error once the service runs.
void install(service& svc, options o = options::from_environment());

// A check asked before each WATCHDOG=1: false withholds the keep-alive. Held as a weak pointer, so a
// component registers a check it owns and it is dropped with it. Any thread.
void add_liveness_check(service& svc, std::weak_ptr<const std::function<bool()>> check);

}  // namespace lifespan::systemd
