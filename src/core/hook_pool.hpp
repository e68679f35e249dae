#pragma once
// Worker threads for blocking lifecycle hooks (start, drain, stop, health checks, reload), with a bound
// on how many run at once. A hook that overruns its deadline keeps its thread (it cannot be killed),
// but stops counting against the bound once the runtime abandons it, so a hung hook never starves the
// rest of startup or shutdown. Threads are created on demand and exit when the pool is destroyed;
// a thread still inside an abandoned hook at that point is detached.
//
// Hooks are handed over in batches: submit() only records the hook (supervisor role only) and
// flush() gives everything recorded to the workers under one lock, waking at most as many idle
// workers as there are hooks. The supervisor flushes before it sleeps, so a burst of starts (ten
// thousand independent components, or every dependent of a component that just came up) costs one
// handoff instead of one wake-up per hook.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace lifespan::detail {

class hook_pool {
 public:
  explicit hook_pool(std::size_t max_parallel);
  ~hook_pool();
  hook_pool(const hook_pool&) = delete;
  hook_pool& operator=(const hook_pool&) = delete;

  // Supervisor thread only.
  void submit(std::function<void()> hook) { pending_.push_back(std::move(hook)); }
  void flush();
  // One running hook overran its deadline: allow one more hook to run beside it.
  void abandon_one();

 private:
  struct shared;
  static void work(std::shared_ptr<shared> s);
  std::shared_ptr<shared> shared_;
  std::vector<std::function<void()>> pending_;
};

}  // namespace lifespan::detail
