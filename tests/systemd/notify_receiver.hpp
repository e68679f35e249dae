#pragma once
// The manager's side of the notify protocol for tests: a real AF_UNIX datagram socket bound to a fresh
// path (or an abstract name), read with poll() under a deadline so a missing message fails the test.
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace lifespan::test {

class notify_receiver {
 public:
  // abstract: bind "@lifespan-test-<pid>-<n>" instead of a file under the temporary directory.
  explicit notify_receiver(bool abstract = false) {
    static int serial = 0;
    const std::string name = "lifespan-notify-" + std::to_string(::getpid()) + "-" + std::to_string(++serial);
    address_ = abstract ? "@" + name : (std::filesystem::temp_directory_path() / (name + ".sock")).string();
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw std::runtime_error("socket failed");
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::memcpy(a.sun_path, address_.data(), address_.size());
    socklen_t length = offsetof(sockaddr_un, sun_path) + address_.size() + 1;
    if (abstract) {
      a.sun_path[0] = '\0';
      length -= 1;
    } else {
      std::filesystem::remove(address_);
    }
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), length) != 0) throw std::runtime_error("bind failed: " + address_);
  }
  ~notify_receiver() {
    ::close(fd_);
    if (address_[0] == '/') std::filesystem::remove(address_);
  }
  notify_receiver(const notify_receiver&) = delete;
  notify_receiver& operator=(const notify_receiver&) = delete;

  const std::string& address() const { return address_; }

  // The next datagram, or nullopt after `timeout`.
  std::optional<std::string> next(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return std::nullopt;
    char buffer[4096];
    const auto n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n < 0) return std::nullopt;
    std::string message(buffer, static_cast<std::size_t>(n));
    seen_.push_back(message);
    return message;
  }

  // Reads until a datagram containing `part` arrives; that datagram, or nullopt after `timeout`.
  std::optional<std::string> until(const std::string& part, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      auto m = next(left);
      if (!m) return std::nullopt;
      if (m->find(part) != std::string::npos) return m;
    }
  }

  // Every datagram read so far, in order.
  const std::vector<std::string>& seen() const { return seen_; }

 private:
  std::string address_;
  int fd_ = -1;
  std::vector<std::string> seen_;
};

}  // namespace lifespan::test
