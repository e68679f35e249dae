#pragma once
// Signal ownership. block_lifecycle_signals() masks SIGTERM, SIGINT, SIGHUP and SIGUSR1 in the calling
// thread; threads created afterwards inherit the mask, so from then on those signals wait in the
// process's pending set instead of killing it. A signal_thread reads them with signalfd and hands
// each to a callback on its own thread: no work ever runs in a signal handler.
#include <atomic>
#include <functional>
#include <string>
#include <thread>

namespace lifespan::detail {

void block_lifecycle_signals();

// Ends the process as `signo` would have without our mask: its default action restored, unblocked in
// this thread and raised. For a termination signal that arrives before anything was started (the
// configuration still being read or checked): nothing needs stopping, and a supervisor sees the
// process killed by the signal it sent. `why` goes to standard error first.
[[noreturn]] void end_by_signal(int signo, const std::string& why);

class signal_thread {
 public:
  // `on_signal(signo)` runs on the signal thread, one signal at a time.
  explicit signal_thread(std::function<void(int signo)> on_signal);
  ~signal_thread();  // stops and joins the thread
  signal_thread(const signal_thread&) = delete;
  signal_thread& operator=(const signal_thread&) = delete;

 private:
  void run();
  std::function<void(int)> on_signal_;
  int signal_fd_ = -1;
  int wake_fd_ = -1;  // eventfd: tells the thread to exit
  std::thread thread_;
};

}  // namespace lifespan::detail
