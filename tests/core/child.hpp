#pragma once
// Child processes for tests that need a real process boundary (real signals, resource limits, the
// process's signal dispositions): the test program re-executes itself running only
// core_child.DISABLED_main, which dispatches on LIFESPAN_CORE_CHILD (child_main.cpp). Output goes to a
// file the test reads; the child reports each step it reaches as one line on a pipe, which the parent
// awaits (no sleeping to guess when the child got there).
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "common/spawned_process.hpp"

namespace lifespan::test {

class core_child {
 public:
  core_child(const std::string& mode, const std::map<std::string, std::string>& env, const std::filesystem::path& output)
      : steps_(open_pipe()), process_(arguments(), environment(mode, env, steps_.second), output, false) {
    ::close(steps_.second);  // the child holds the write end: EOF once it exits
  }
  ~core_child() { ::close(steps_.first); }
  core_child(const core_child&) = delete;
  core_child& operator=(const core_child&) = delete;

  // The next step line the child reported ("starting"), or "" when none came within `timeout` or the
  // child exited first.
  std::string next_step(std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (auto at = buffer_.find('\n'); at != std::string::npos) {
        std::string line = buffer_.substr(0, at);
        buffer_.erase(0, at + 1);
        return line;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
      if (left.count() <= 0) return {};
      pollfd p{steps_.first, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char chunk[256];
      const ssize_t got = ::read(steps_.first, chunk, sizeof chunk);
      if (got <= 0) return {};
      buffer_.append(chunk, static_cast<std::size_t>(got));
    }
  }
  spawned_process& process() { return process_; }

 private:
  static std::pair<int, int> open_pipe() {
    int fds[2];
    if (::pipe2(fds, 0) != 0) throw std::runtime_error("pipe2 failed");
    ::fcntl(fds[0], F_SETFD, FD_CLOEXEC);  // only the write end is inherited
    return {fds[0], fds[1]};
  }
  static std::vector<std::string> arguments() {
    return {"/proc/self/exe", "--gtest_filter=core_child.DISABLED_main", "--gtest_also_run_disabled_tests"};
  }
  static std::vector<std::string> environment(const std::string& mode, const std::map<std::string, std::string>& env,
                                              int step_fd) {
    auto all = spawned_process::inherited_environment();
    all.push_back("LIFESPAN_CORE_CHILD=" + mode);
    all.push_back("LIFESPAN_CORE_CHILD_STEPS=" + std::to_string(step_fd));
    for (const auto& [k, v] : env) all.push_back(k + "=" + v);
    return all;
  }

  std::pair<int, int> steps_;  // read end (ours), write end (the child's)
  spawned_process process_;
  std::string buffer_;
};

// Child side: reports reaching `step` to the parent.
inline void report_step(const std::string& step) {
  const char* fd = std::getenv("LIFESPAN_CORE_CHILD_STEPS");
  if (fd == nullptr) return;
  const std::string line = step + "\n";
  (void)!::write(std::atoi(fd), line.data(), line.size());
}

inline std::string child_env(const char* name, const std::string& fallback = {}) {
  const char* v = std::getenv(name);
  return v ? v : fallback;
}

}  // namespace lifespan::test
