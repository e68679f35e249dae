#pragma once
// The workload of bench/startup_makespan: a seeded random DAG of sleeping starts, its critical path
// and shape, and what each repetition needs to start from a clean process state.
#include <sys/prctl.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
#include <thread>
#include <vector>

namespace startup_bench {

using namespace std::chrono_literals;

constexpr std::uint64_t seed = 20261122;

struct dag {
  std::vector<std::chrono::microseconds> work;   // configured start duration per component
  std::vector<std::vector<std::size_t>> deps;    // required dependencies (always earlier indices)
};

// Component i requires k ~ U{0..min(i,3)} distinct components chosen uniformly among 0..i-1.
inline dag make_dag(std::size_t n, std::uint64_t s) {
  std::mt19937_64 rng(s);
  std::uniform_int_distribution<int> us(1000, 20000);
  dag g;
  g.work.resize(n);
  g.deps.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    g.work[i] = std::chrono::microseconds(us(rng));
    const int most = static_cast<int>(std::min<std::size_t>(i, 3));
    const int k = std::uniform_int_distribution<int>(0, most)(rng);
    while (static_cast<int>(g.deps[i].size()) < k) {
      const std::size_t d = std::uniform_int_distribution<std::size_t>(0, i - 1)(rng);
      if (std::find(g.deps[i].begin(), g.deps[i].end(), d) == g.deps[i].end()) g.deps[i].push_back(d);
    }
  }
  return g;
}

// Longest path of start durations along required edges (indices are already topological).
template <class Duration>
inline double critical_path_ms(const dag& g, const std::vector<Duration>& work) {
  std::vector<double> finish(g.work.size(), 0.0);
  double best = 0;
  for (std::size_t i = 0; i < g.work.size(); ++i) {
    double ready = 0;
    for (auto d : g.deps[i]) ready = std::max(ready, finish[d]);
    finish[i] = ready + std::chrono::duration<double, std::milli>(work[i]).count();
    best = std::max(best, finish[i]);
  }
  return best;
}

struct shape {
  std::size_t depth = 0, edges = 0, roots = 0;
};

inline shape shape_of(const dag& g) {
  shape s;
  std::vector<std::size_t> level(g.work.size(), 1);
  for (std::size_t i = 0; i < g.work.size(); ++i) {
    for (auto d : g.deps[i]) level[i] = std::max(level[i], level[d] + 1);
    s.depth = std::max(s.depth, level[i]);
    s.edges += g.deps[i].size();
    if (g.deps[i].empty()) ++s.roots;
  }
  return s;
}

inline const dag& graph_for(std::size_t n) {
  static std::map<std::size_t, dag> cache;
  auto it = cache.find(n);
  if (it == cache.end()) it = cache.emplace(n, make_dag(n, seed + n)).first;
  return it->second;
}

inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const auto n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// Sets the calling thread's timer slack (inherited by threads it creates) for a scope.
class timer_slack {
 public:
  explicit timer_slack(long ns) { prctl(PR_SET_TIMERSLACK, static_cast<unsigned long>(ns), 0, 0, 0); }
  ~timer_slack() { prctl(PR_SET_TIMERSLACK, 0UL, 0, 0, 0); }  // 0: back to the thread's default
  timer_slack(const timer_slack&) = delete;
  timer_slack& operator=(const timer_slack&) = delete;
};

// Threads of this process, from /proc/self/stat (field 20).
inline long thread_count() {
  std::FILE* f = std::fopen("/proc/self/stat", "r");
  if (!f) return -1;
  char buf[1024];
  const std::size_t got = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  buf[got] = 0;
  const char* p = std::strrchr(buf, ')');  // the command name may hold spaces
  for (int field = 2; p && field < 20; ++field) p = std::strchr(p + 1, ' ');
  return p ? std::strtol(p + 1, nullptr, 10) : -1;
}

// A run's hook pool lets its threads go when run() returns; they exit after it, and glibc unmaps
// their stacks (beyond a small cache) in the next thread creation: hundreds of munmap calls, each
// with a TLB shootdown on the other core, which took 2-8 ms of the next repetition's set-up. Each
// repetition starts once those threads are gone and their stacks released, as the one startup of a
// fresh process would.
inline void await_threads(long baseline) {
  for (int i = 0; i < 2000 && thread_count() > baseline; ++i) std::this_thread::sleep_for(1ms);
  std::thread([] {}).join();
}

}  // namespace startup_bench
