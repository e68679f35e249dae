#pragma once
// Worker threads for blocking lifecycle hooks (start, drain, stop, health checks, reload), with a bound
// on how many run at once. A hook that overruns its deadline keeps its thread (it cannot be killed),
// but stops counting against the bound once the runtime abandons it, so a hung hook never starves the
// rest of startup or shutdown. Threads are created on demand and exit when the pool is destroyed;
// a thread still inside an abandoned hook at that point is detached.
//
// Hooks are handed over in batches: submit() records the hook (supervisor role only) and hands the
// recorded ones to the workers under one lock once 1, 2, 4, 8, ... of them have gathered since the
// last flush(), waking at most as many idle workers as there are hooks. The supervisor flushes the
// rest before it sleeps. So the first hook of a burst (ten thousand independent components, or every
// dependent of a component that just came up) leaves at once, and a burst of n hooks costs about
// log2(n) handoffs instead of one wake-up per hook.
//
// Threads are created off the supervisor's path: a flush that needs k more threads creates one, and
// each new thread creates up to two of the rest before it takes a hook (a tree: k threads exist after
// about log2(k) creation times instead of k of them, one after another, on the flushing thread).
#include <condition_variable>
#include <cstddef>
#include <cstdint>
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

  // Queued hooks run highest priority first, then in submission order. Starts pass their place on
  // the graph (node::chain): while threads are scarce (being created, or all inside hooks), the start
  // most likely on the critical path overtakes ones queued earlier. Every other hook (stop, drain,
  // health check, reload) is `urgent`: ahead of any start, as its caller waits on a deadline.
  static constexpr std::size_t urgent = static_cast<std::size_t>(-1);

  // Supervisor role only.
  void submit(std::function<void()> hook, std::size_t priority = urgent) {
    pending_.push_back({std::move(hook), priority});
    if (pending_.size() >= next_handoff_) handoff();
  }
  // Hands over everything recorded; ends the burst (the next submit is handed over at once).
  void flush();
  // One running hook overran its deadline: allow one more hook to run beside it.
  void abandon_one();
  // Any thread, before the first submit: starts up to `count` threads (within the bound) that wait for
  // hooks, so that a known first burst (the components with no required dependency) finds idle
  // threads rather than waiting for their creation. Costs the caller one thread creation.
  void prestart(std::size_t count);

 private:
  struct queued {
    std::function<void()> hook;
    std::size_t priority;
    std::uint64_t order = 0;  // submission order, set when queued
  };
  struct shared;
  static void work(std::shared_ptr<shared> s);
  static void spawn(const std::shared_ptr<shared>& s);
  void handoff();
  std::shared_ptr<shared> shared_;
  std::vector<queued> pending_;
  std::size_t next_handoff_ = 1;  // pending_ size that triggers the next handoff within this burst
};

}  // namespace lifespan::detail
