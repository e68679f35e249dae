#pragma once
// The handler threads: where application route handlers run (unless a route is run_inline()), so that
// the I/O threads only parse, dispatch and write, and a handler that blocks (a database query, an
// outbound call) holds up one handler thread, never a probe or another connection's bytes.
//
// Bounded twice: at most `threads` handlers run at once, and at most `queue` jobs wait for a thread.
// submit() never blocks and never grows the queue past its bound: a full queue is refused at once (the
// caller answers 503 with Retry-After). Threads are started on demand, one each time a job arrives and
// no started thread is idle, up to `threads`; they are not retired (an idle one costs a parked stack).
//
// Lifetimes and ordering: halt() makes every later submit() fail and destroys the jobs still queued,
// outside the lock, on the calling thread (so whatever they own, a connection say, is released there);
// the jobs already running finish, and join() waits for them. The destructor does both. A job must not
// throw (handlers' exceptions are turned into responses before it returns); one that does is logged.
//
// Thread-safety: every member function may be called from any thread; queued() and busy() are
// snapshots for /metrics.
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <spdlog/logger.h>

namespace lifespan::http::detail {

class handler_pool {
 public:
  using job = std::function<void()>;

  handler_pool(std::size_t threads, std::size_t queue, std::string name, std::shared_ptr<spdlog::logger> log);
  ~handler_pool();  // halt() and join()
  handler_pool(const handler_pool&) = delete;
  handler_pool& operator=(const handler_pool&) = delete;

  // Queues `j` for the next free handler thread; false (and `j` untouched by any thread) when
  // `queue` jobs already wait, or after halt().
  bool submit(job& j);
  void halt();
  void join();

  std::size_t queued() const noexcept { return queued_.load(std::memory_order_relaxed); }
  std::size_t busy() const noexcept { return busy_.load(std::memory_order_relaxed); }
  std::size_t started() const;  // threads started so far

 private:
  void work(std::size_t index);

  const std::size_t max_threads_;
  const std::size_t max_queue_;
  const std::string name_;
  const std::shared_ptr<spdlog::logger> log_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<job> jobs_;             // guarded by mutex_
  std::vector<std::thread> threads_;  // guarded by mutex_; joined by join()
  std::size_t idle_ = 0;             // guarded by mutex_: started threads waiting for a job
  bool halted_ = false;              // guarded by mutex_
  std::atomic<std::size_t> queued_{0};
  std::atomic<std::size_t> busy_{0};
};

}  // namespace lifespan::http::detail
