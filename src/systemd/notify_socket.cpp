#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <stdexcept>
#include <system_error>

#include <fmt/format.h>

#include "lifespan/systemd/notify.hpp"

namespace lifespan::systemd {

notify_socket::notify_socket(std::string address) : address_(std::move(address)) {
  sockaddr_un probe{};
  if (address_.size() < 2 || (address_[0] != '/' && address_[0] != '@') || address_.size() >= sizeof probe.sun_path)
    throw std::invalid_argument(fmt::format(
        "NOTIFY_SOCKET '{}' is neither an absolute path nor an abstract '@name' of at most {} bytes", address_,
        sizeof probe.sun_path - 1));
  fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "systemd notify: socket(AF_UNIX, SOCK_DGRAM)");
}

notify_socket::~notify_socket() {
  if (fd_ >= 0) ::close(fd_);
}

bool notify_socket::send(std::string_view message) noexcept {
  sockaddr_un to{};
  to.sun_family = AF_UNIX;
  std::memcpy(to.sun_path, address_.data(), address_.size());
  if (address_[0] == '@') to.sun_path[0] = '\0';  // abstract: the length says where the name ends
  const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address_.size() + (address_[0] == '@' ? 0 : 1));
  for (;;) {
    const auto sent = ::sendto(fd_, message.data(), message.size(), MSG_NOSIGNAL | MSG_DONTWAIT,
                               reinterpret_cast<const sockaddr*>(&to), length);
    if (sent >= 0) return static_cast<std::size_t>(sent) == message.size();
    if (errno != EINTR) return false;
  }
}

}  // namespace lifespan::systemd
