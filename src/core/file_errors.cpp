#include "lifespan/core/file_errors.hpp"

#include <signal.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace lifespan {

std::string describe_write_error(const std::filesystem::path& file, int error) {
  const std::string name = file.string();
  switch (error) {
    case EFBIG: {
      rlimit limit{};
      const bool known = ::getrlimit(RLIMIT_FSIZE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY;
      return fmt::format(
          "cannot write {}: the file-size limit{} (RLIMIT_FSIZE: `ulimit -f`, systemd's LimitFSIZE=) is reached; "
          "raise or remove the limit, or move the file away",
          name, known ? fmt::format(" of {} bytes", limit.rlim_cur) : std::string{});
    }
    case ENOSPC:
      return fmt::format("cannot write {}: no space left on its file system; free space there or move the file", name);
    case EDQUOT:
      return fmt::format("cannot write {}: the disk quota of this user is exhausted; raise the quota or free space", name);
    case EROFS:
      return fmt::format("cannot write {}: its file system is mounted read-only; remount it read-write or move the file", name);
    case EACCES:
    case EPERM:
      return fmt::format("cannot write {}: permission denied ({}); check the file's owner, mode and attributes (lsattr)",
                         name, std::strerror(error));
    default:
      return fmt::format("cannot write {}: {}", name, std::strerror(error));
  }
}

void ignore_file_size_signal() noexcept {
  struct sigaction current {};
  if (::sigaction(SIGXFSZ, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) ::signal(SIGXFSZ, SIG_IGN);
}

}  // namespace lifespan
