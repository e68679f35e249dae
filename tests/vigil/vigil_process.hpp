#pragma once
// `vigil` as a real child process for end-to-end tests: argv after the binary, stdout and stderr
// appended to one file, SIGKILLed by the destructor if it is still running; and the arguments of a
// `vigil serve` confined to a temporary directory (database, tailed log, address file, models).
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "service_fixture.hpp"

extern char** environ;

namespace vigil::test {

using namespace std::chrono_literals;

class vigil_process {
 public:
  explicit vigil_process(std::vector<std::string> args, const std::filesystem::path& output) : output_(output) {
    args.insert(args.begin(), VIGIL_BINARY);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, output.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    const int rc = ::posix_spawn(&pid_, VIGIL_BINARY, &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw std::runtime_error("posix_spawn failed");
  }
  ~vigil_process() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  void signal(int sig) { ::kill(pid_, sig); }
  // The wait status, or -1 after `timeout` (the process is then killed).
  int wait(std::chrono::seconds timeout = 60s) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    int status = 0;
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > until) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        pid_ = -1;
        return -1;
      }
      std::this_thread::sleep_for(10ms);
    }
    pid_ = -1;
    return status;
  }
  std::string output() const {
    std::ifstream in(output_);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

 private:
  pid_t pid_ = -1;
  std::filesystem::path output_;
};

// `extra`: more section.key=value overrides.
inline std::vector<std::string> serve_args(const temp_dir& dir, const std::filesystem::path& log, std::vector<std::string> extra) {
  std::vector<std::string> args = {"serve",
                                   "--set", "db.url=sqlite://" + (dir / "vigil.db").string(),
                                   "--set", "tailer.paths=[" + log.string() + "]",
                                   "--set", "http.port=0",
                                   "--set", "http.address_file=" + (dir / "http.address").string(),
                                   "--set", "shutdown.readiness_delay=0s",
                                   "--set", "models.root=" + (dir / "models").string()};
  for (auto& e : extra) {
    args.push_back("--set");
    args.push_back(std::move(e));
  }
  return args;
}

}  // namespace vigil::test
