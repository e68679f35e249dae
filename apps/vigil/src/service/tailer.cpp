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
namespace {

std::string directory_of(const std::string& path) {
  const auto parent = std::filesystem::path(path).parent_path();
  return parent.empty() ? std::string(".") : parent.string();
}

}  // namespace

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
    places_.emplace_back(directory_of(path), std::filesystem::path(path).filename().string());
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
  for (const auto& [dir, name] : places_) {
    if (std::any_of(watched_.begin(), watched_.end(), [&](const watch& w) { return w.directory == dir; })) continue;
    const int wd = ::inotify_add_watch(inotify_, dir.c_str(),
                                       IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_ATTRIB |
                                           IN_CLOSE_WRITE | IN_DELETE_SELF | IN_MOVE_SELF);
    if (wd >= 0) watched_.push_back({wd, dir});  // a missing directory is retried on every poll round
  }
}

bool tailer::concerns_followed_file(const watch& w, std::string_view name) const {
  for (std::size_t i = 0; i < followers_.size(); ++i) {
    if (places_[i].first != w.directory) continue;
    // A file rotated away from the path has another name now, and may still be written to.
    if (places_[i].second == name || followers_[i]->has_rotated()) return true;
  }
  return false;
}

bool tailer::read_events(std::vector<char>& buffer) {
  bool relevant = false;
  for (ssize_t n; (n = ::read(inotify_, buffer.data(), buffer.size())) > 0;) {
    for (std::size_t at = 0; at + sizeof(inotify_event) <= static_cast<std::size_t>(n);) {
      inotify_event e;
      std::memcpy(&e, buffer.data() + at, sizeof e);
      const char* name = buffer.data() + at + sizeof e;
      at += sizeof e + e.len;
      if (e.mask & (IN_IGNORED | IN_MOVE_SELF)) {  // the directory went away or moved: watch its path again
        if (e.mask & IN_MOVE_SELF) ::inotify_rm_watch(inotify_, e.wd);
        std::erase_if(watched_, [&](const watch& w) { return w.descriptor == e.wd; });
        relevant = true;
        continue;
      }
      const std::string_view file = e.len ? std::string_view(name, ::strnlen(name, e.len)) : std::string_view();
      bool mine = (e.mask & IN_Q_OVERFLOW) || file.empty();  // overflow, or the directory itself
      for (const auto& w : watched_)
        if (!mine && w.descriptor == e.wd) mine = concerns_followed_file(w, file);
      if (mine) relevant = true;
      else events_ignored_.fetch_add(1, std::memory_order_relaxed);
    }
  }
  return relevant;
}

void tailer::run(std::stop_token stop) {
  using clock = std::chrono::steady_clock;
  const auto interval = std::max<clock::duration>(std::chrono::milliseconds(1), options_.poll_interval);
  std::vector<char> events(64 * 1024);
  auto next_round = clock::now();
  while (!stop.stop_requested()) {
    if (clock::now() >= next_round) {
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
      next_round = clock::now() + interval;  // the fallback timer counts from the last round
    }
    const auto wait = std::chrono::ceil<std::chrono::milliseconds>(next_round - clock::now()).count();
    pollfd fds[2] = {{wake_, POLLIN, 0}, {inotify_, POLLIN, 0}};
    const int ready = ::poll(fds, inotify_ >= 0 ? 2 : 1, static_cast<int>(std::clamp<long long>(wait, 0, 60'000)));
    if (ready > 0 && (fds[1].revents & POLLIN) && read_events(events)) {
      rounds_on_events_.fetch_add(1, std::memory_order_relaxed);
      next_round = clock::now();
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
  std::vector<std::string> missing, unusable;
  for (const auto& s : status()) {
    if (!s.problem.empty()) unusable.push_back(s.path + " " + s.problem);
    else if (!s.exists) missing.push_back(s.path);
  }
  if (missing.empty() && unusable.empty()) return lifespan::health_report::ok();
  std::string reason;
  if (!unusable.empty())
    reason = fmt::format("{}: nothing is read from it until it is a readable regular file (tailer.paths names the "
                         "log files themselves)", fmt::join(unusable, "; "));
  if (!missing.empty())
    reason += fmt::format("{}waiting for {} to appear (followed as soon as it is created)", reason.empty() ? "" : "; ",
                          fmt::join(missing, ", "));
  return lifespan::health_report::degraded(reason);
}

std::vector<follower_status> tailer::status() const {
  std::lock_guard lock(status_mutex_);
  return status_;
}

}  // namespace vigil::service
