#include "client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace lifespan::test {
namespace {

int connect_to(std::uint16_t port, int& error) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket() failed");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    error = errno;
    ::close(fd);
    return -1;
  }
  return fd;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// Parses one response at the front of `buffer`; consumes it and returns it when complete.
std::optional<reply> parse(std::string& buffer, bool head) {
  const auto end = buffer.find("\r\n\r\n");
  if (end == std::string::npos) return std::nullopt;
  reply r;
  std::string_view head_text(buffer.data(), end);
  const auto first_line_end = head_text.find("\r\n");
  const std::string_view status_line = head_text.substr(0, first_line_end);
  r.status = std::stoi(std::string(status_line.substr(9, 3)));
  std::string_view rest = first_line_end == std::string_view::npos ? std::string_view{} : head_text.substr(first_line_end + 2);
  while (!rest.empty()) {
    const auto eol = rest.find("\r\n");
    const std::string_view line = rest.substr(0, eol);
    const auto colon = line.find(':');
    std::string value(line.substr(colon + 1));
    value.erase(0, value.find_first_not_of(' '));
    r.headers[lower(std::string(line.substr(0, colon)))] = value;
    if (eol == std::string_view::npos) break;
    rest.remove_prefix(eol + 2);
  }
  std::size_t length = 0;
  if (!head && r.status != 100 && r.status != 204 && r.has("content-length")) length = std::stoul(r.header("content-length"));
  if (buffer.size() < end + 4 + length) return std::nullopt;
  r.body = buffer.substr(end + 4, length);
  buffer.erase(0, end + 4 + length);
  return r;
}

}  // namespace

client::client(std::uint16_t port) {
  int error = 0;
  fd_ = connect_to(port, error);
  if (fd_ < 0) throw std::runtime_error(std::string("connect failed: ") + std::strerror(error));
}

client::~client() {
  if (fd_ >= 0) ::close(fd_);
}

void client::send(std::string_view bytes) {
  while (!bytes.empty()) {
    const auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(std::string("send failed: ") + std::strerror(errno));
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

client::fill client::fill_some(std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return fill::timeout;
    pollfd p{fd_, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return fill::timeout;
    char chunk[16384];
    const auto n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fill::closed;  // end of stream, or reset
    buffer_.append(chunk, static_cast<std::size_t>(n));
    return fill::data;
  }
}

std::optional<reply> client::read(std::chrono::milliseconds timeout, bool head) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (auto r = parse(buffer_, head)) return r;
    if (fill_some(deadline) != fill::data) return std::nullopt;
  }
}

reply client::request(std::string_view method, std::string_view target, std::string_view body, std::string_view extra_headers) {
  std::string text = std::string(method) + " " + std::string(target) + " HTTP/1.1\r\nHost: test\r\n";
  text += extra_headers;
  if (!body.empty() || method == "POST" || method == "PUT") text += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  text += "\r\n";
  text += body;
  send(text);
  auto r = read(std::chrono::seconds(10), method == "HEAD");
  if (!r) throw std::runtime_error("no response to " + std::string(method) + " " + std::string(target));
  return *r;
}

bool client::closed_by_server(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    switch (fill_some(deadline)) {
      case fill::closed: return true;
      case fill::timeout: return false;
      case fill::data: break;
    }
  }
}

bool client::receive_until(std::string_view text, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (buffer_.find(text) == std::string::npos)
    if (fill_some(deadline) != fill::data) return buffer_.find(text) != std::string::npos;
  return true;
}

reply fetch(std::uint16_t port, std::string_view target, std::string_view method) {
  client c(port);
  return c.request(method, target, {}, "Connection: close\r\n");
}

bool refused(std::uint16_t port) {
  int error = 0;
  const int fd = connect_to(port, error);
  if (fd >= 0) {
    ::close(fd);
    return false;
  }
  return error == ECONNREFUSED;
}

}  // namespace lifespan::test
