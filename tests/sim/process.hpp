#pragma once
// A child process for end-to-end tests: real exec, real pipes, real signals. Waits are event-driven
// (poll on the child's output, waitpid), each bounded by a deadline so a broken build fails instead
// of hanging.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lifespan::test {

class process {
 public:
  // Starts `argv[0]` with `argv`; stdout and stderr are captured separately.
  explicit process(std::vector<std::string> argv);
  ~process();  // kills the child if it is still running
  process(const process&) = delete;
  process& operator=(const process&) = delete;

  // Reads stderr until a line containing `needle` appears; false on timeout or end of output.
  bool wait_for_log(const std::string& needle, std::chrono::milliseconds timeout = std::chrono::seconds(20));
  void signal(int signo);
  // The exit code (128 + signal when killed by one), or nullopt on timeout.
  std::optional<int> wait(std::chrono::milliseconds timeout = std::chrono::seconds(30));

  const std::string& out() const { return out_; }  // all stdout so far
  const std::string& err() const { return err_; }  // all stderr so far

 private:
  void pump(int timeout_ms);  // reads whatever is available from both pipes
  void drain();               // after exit: reads both pipes to their end
  int pid_ = -1;
  int out_fd_ = -1, err_fd_ = -1;
  std::string out_, err_;
  std::size_t searched_ = 0;  // stderr before this offset was already matched
  std::optional<int> status_;
};

std::string write_temp_file(const std::string& name, const std::string& content);

// The port the server of `p` listens on, read from its http.address_file (renamed into place, complete,
// once the listener is open); throws with the child's stderr if it does not appear within `timeout`.
std::uint16_t await_listening_port(const std::string& address_file, const process& p,
                                   std::chrono::milliseconds timeout = std::chrono::seconds(20));

}  // namespace lifespan::test
