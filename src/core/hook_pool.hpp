#pragma once
// Worker threads for blocking lifecycle hooks (start, drain, stop, health checks, reload), with a bound
// on how many run at once. A hook that overruns its deadline keeps its thread (it cannot be killed),
// but stops counting against the bound once the runtime abandons it, so a hung hook never starves the
// rest of startup or shutdown. Threads are created on demand and exit when the pool is destroyed;
// a thread still inside an abandoned hook at that point is detached.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>

namespace lifespan::detail {

class hook_pool {
 public:
  explicit hook_pool(std::size_t max_parallel);
  ~hook_pool();
  hook_pool(const hook_pool&) = delete;
  hook_pool& operator=(const hook_pool&) = delete;

  void submit(std::function<void()> hook);
  // One running hook overran its deadline: allow one more hook to run beside it.
  void abandon_one();

 private:
  struct shared;
  static void work(std::shared_ptr<shared> s);
  std::shared_ptr<shared> shared_;
};

}  // namespace lifespan::detail
