#include "signals.hpp"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace lifespan::detail {
namespace {

sigset_t lifecycle_set() {
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGTERM, SIGINT, SIGHUP, SIGUSR1}) sigaddset(&set, s);
  return set;
}

}  // namespace

void block_lifecycle_signals() {
  const sigset_t set = lifecycle_set();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

void end_by_signal(int signo, const std::string& why) {
  const std::string line = why + "\n";
  (void)!::write(STDERR_FILENO, line.data(), line.size());
  ::signal(signo, SIG_DFL);
  sigset_t only;
  sigemptyset(&only);
  sigaddset(&only, signo);
  pthread_sigmask(SIG_UNBLOCK, &only, nullptr);
  ::raise(signo);
  ::_exit(128 + signo);  // not reached for a terminating signal
}

signal_thread::signal_thread(std::function<void(int)> on_signal) : on_signal_(std::move(on_signal)) {
  block_lifecycle_signals();
  const sigset_t set = lifecycle_set();
  signal_fd_ = signalfd(-1, &set, SFD_CLOEXEC);
  wake_fd_ = eventfd(0, EFD_CLOEXEC);
  if (signal_fd_ < 0 || wake_fd_ < 0)
    throw std::runtime_error(std::string("cannot own signals: signalfd/eventfd failed: ") + std::strerror(errno));
  thread_ = std::thread([this] { run(); });
}

signal_thread::~signal_thread() {
  const std::uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof one);
  if (thread_.joinable()) thread_.join();
  close(signal_fd_);
  close(wake_fd_);
}

void signal_thread::run() {
  pollfd fds[2] = {{signal_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
  for (;;) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents != 0) return;
    signalfd_siginfo info{};
    if (read(signal_fd_, &info, sizeof info) == static_cast<ssize_t>(sizeof info))
      on_signal_(static_cast<int>(info.ssi_signo));
  }
}

}  // namespace lifespan::detail
