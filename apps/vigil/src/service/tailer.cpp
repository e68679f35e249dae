#include "service/tailer.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "lifespan/data/database.hpp"
#include "service/pipeline.hpp"

namespace vigil::service {

tailer::options tailer::read_options(lifespan::config::section& s) {
  options o;
  o.paths = s.get<std::vector<std::string>>("paths", o.paths);
  if (o.paths.empty()) s.report("paths", "no log file to follow", "list nginx access logs, e.g. [/var/log/nginx/access.log]");
  for (const auto& p : o.paths)
    if (p.empty() || p.back() == '/') s.report("paths", fmt::format("'{}' is not a file path", p));
  o.start_at = s.get<std::string>("start_at", o.start_at);
  if (o.start_at != "beginning" && o.start_at != "end")
    s.report("start_at", fmt::format("expected 'beginning' or 'end', got '{}'", o.start_at));
  o.poll_interval = s.get<lifespan::duration>("poll_interval", o.poll_interval);
  if (o.poll_interval <= lifespan::duration::zero()) s.report("poll_interval", "must be positive", "250ms");
  o.rotate_grace = s.get<lifespan::duration>("rotate_grace", o.rotate_grace);
  o.read_bytes = s.get<std::int64_t>("read_bytes", o.read_bytes);
  if (o.read_bytes < 4096 || o.read_bytes > (64 << 20)) s.report("read_bytes", "must be between 4096 and 64 MiB", "65536");
  o.max_line = s.get<std::int64_t>("max_line", o.max_line);
  if (o.max_line < 1024) s.report("max_line", "must be at least 1024 bytes", "1048576");
  return o;
}

tailer::~tailer() { halt(); }

void tailer::start(lifespan::context& ctx) {
  pipeline_ = &ctx.get<pipeline>();
  auto& db = ctx.get<lifespan::data::database>();
  db.migrate("vigil_positions", position_migrations(db.kind()));
  inotify_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (inotify_ < 0) spdlog::warn("tailer: inotify unavailable ({}); polling every poll_interval", std::strerror(errno));
  wake_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_ < 0) throw std::runtime_error(fmt::format("tailer: eventfd failed: {}", std::strerror(errno)));
  follower_options fo;
  fo.read_bytes = static_cast<std::size_t>(options_.read_bytes);
  fo.max_line = static_cast<std::size_t>(options_.max_line);
  fo.rotate_grace = std::chrono::duration_cast<std::chrono::milliseconds>(options_.rotate_grace);
  fo.start_at_end = options_.start_at == "end";
  for (const auto& path : options_.paths) {
    auto f = std::make_unique<file_follower>(path, fo, [this](raw_batch b) {
      return pipeline_->submit(std::move(b), stop_source_.get_token());
    });
    followers_.push_back(std::move(f));
  }
  watch_directories();
  const auto stop = ctx.stop_token();
  for (auto& f : followers_) {
    if (stop.stop_requested()) throw std::runtime_error("tailer: start cancelled");
    f->restore(load_positions(db, f->path()));
  }
  publish_status();  // before the thread runs: status() and check_health() are meaningful from start on
  thread_ = std::thread([this] { run(stop_source_.get_token()); });
}

void tailer::watch_directories() {
  if (inotify_ < 0) return;
  for (const auto& f : followers_) {
    const auto parent = std::filesystem::path(f->path()).parent_path();
    const std::string dir = parent.empty() ? std::string(".") : parent.string();
    if (std::find(watched_.begin(), watched_.end(), dir) != watched_.end()) continue;
    const int wd = ::inotify_add_watch(inotify_, dir.c_str(),
                                       IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_ATTRIB |
                                           IN_CLOSE_WRITE | IN_DELETE_SELF | IN_MOVE_SELF);
    if (wd >= 0) watched_.push_back(dir);  // a missing directory is retried on every poll round
  }
}

void tailer::run(std::stop_token stop) {
  const int timeout_ms = static_cast<int>(
      std::max<long long>(1, std::chrono::duration_cast<std::chrono::milliseconds>(options_.poll_interval).count()));
  std::vector<char> events(64 * 1024);
  while (!stop.stop_requested()) {
    bool refused = false;
    for (auto& f : followers_) {
      if (!f->poll()) {
        refused = true;
        break;
      }
    }
    publish_status();
    if (refused || stop.stop_requested()) break;
    if (watched_.size() < followers_.size()) watch_directories();
    pollfd fds[2] = {{wake_, POLLIN, 0}, {inotify_, POLLIN, 0}};
    const int ready = ::poll(fds, inotify_ >= 0 ? 2 : 1, timeout_ms);
    if (ready > 0 && (fds[1].revents & POLLIN)) {
      while (::read(inotify_, events.data(), events.size()) > 0) {
      }  // which file changed does not matter: every follower checks its own
    }
  }
}

void tailer::publish_status() {
  std::vector<follower_status> snapshot;
  for (const auto& f : followers_) snapshot.push_back(f->status());
  std::lock_guard lock(status_mutex_);
  status_ = std::move(snapshot);
}

void tailer::halt() {
  stop_source_.request_stop();
  if (thread_.joinable()) {
    if (wake_ >= 0) {
      const std::uint64_t one = 1;
      (void)!::write(wake_, &one, sizeof one);
    }
    thread_.join();
  }
}

void tailer::drain(lifespan::time_point) { halt(); }

void tailer::stop(lifespan::time_point) {
  halt();
  followers_.clear();
  if (inotify_ >= 0) ::close(inotify_);
  if (wake_ >= 0) ::close(wake_);
  inotify_ = wake_ = -1;
}

std::optional<lifespan::health_report> tailer::check_health(std::stop_token) {
  std::vector<std::string> missing;
  for (const auto& s : status())
    if (!s.exists) missing.push_back(s.path);
  if (missing.empty()) return lifespan::health_report::ok();
  return lifespan::health_report::degraded(
      fmt::format("waiting for {} to appear (followed as soon as it is created)", fmt::join(missing, ", ")));
}

std::vector<follower_status> tailer::status() const {
  std::lock_guard lock(status_mutex_);
  return status_;
}

}  // namespace vigil::service
