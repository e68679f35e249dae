// Background threads that notice change: the housekeeping timer (retries, idle TTL, periodic rescan)
// and the inotify watcher on the repository (root, model and version directories).
#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <condition_variable>

#include "state.hpp"

namespace lifespan::models {
namespace fs = std::filesystem;

void manager::impl::housekeeping_loop(std::stop_token stop) {
  std::mutex m;
  std::condition_variable_any sleeper;
  auto next_scan = std::chrono::steady_clock::now() + opts.rescan_interval;
  std::unique_lock lock(m);
  while (!stop.stop_requested()) {
    sleeper.wait_for(lock, stop, opts.housekeeping_interval, [] { return false; });
    if (stop.stop_requested()) break;
    lock.unlock();
    tick_hook();
    if (std::chrono::steady_clock::now() >= next_scan) {
      rescan_hook();
      next_scan = std::chrono::steady_clock::now() + opts.rescan_interval;
    }
    lock.lock();
  }
}

namespace {
constexpr std::uint32_t watch_mask =
    IN_CREATE | IN_DELETE | IN_MOVED_TO | IN_MOVED_FROM | IN_CLOSE_WRITE | IN_ATTRIB | IN_DELETE_SELF | IN_ONLYDIR;

void add_watches(int fd, const fs::path& root) {
  inotify_add_watch(fd, root.c_str(), watch_mask);
  std::error_code ec;
  for (fs::directory_iterator m(root, ec), end; !ec && m != end; m.increment(ec)) {
    std::error_code e2;
    if (!m->is_directory(e2)) continue;
    inotify_add_watch(fd, m->path().c_str(), watch_mask);
    for (fs::directory_iterator v(m->path(), e2); !e2 && v != end; v.increment(e2))
      if (std::error_code e3; v->is_directory(e3)) inotify_add_watch(fd, v->path().c_str(), watch_mask);
  }
}

bool drain(int fd) {
  alignas(inotify_event) char buf[16 * 1024];
  bool any = false;
  while (read(fd, buf, sizeof buf) > 0) any = true;
  return any;
}
}  // namespace

void manager::impl::watch_loop(std::stop_token stop) {
  int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) return;  // no inotify: the periodic rescan still runs
  add_watches(fd, opts.root);
  rescan_hook();  // whatever changed before the watches existed
  while (!stop.stop_requested()) {
    pollfd p{fd, POLLIN, 0};
    int n = poll(&p, 1, 100);  // wakes to notice the stop request
    if (n <= 0 || !drain(fd)) continue;
    // Coalesce a burst (a copy, a rename) into one scan.
    while (!stop.stop_requested() && poll(&p, 1, 30) > 0 && drain(fd)) {
    }
    if (stop.stop_requested()) break;
    add_watches(fd, opts.root);  // new model and version directories first, then the scan: a change
    rescan_hook();               // made between the two is seen by one or the other
  }
  close(fd);
}

}  // namespace lifespan::models
