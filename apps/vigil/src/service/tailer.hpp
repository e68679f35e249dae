#pragma once
// The log tailer component (ready-gating; requires the pipeline and the database).
//
// One thread follows every configured path (file_follower does the per-file work). It sleeps in
// poll(2) on an inotify descriptor watching each path's directory (so creation, rename, truncation and
// writes all wake it), with `poll_interval` as a fallback timer (directories that do not exist yet,
// filesystems without inotify, a queue overflow). Each wake-up reads everything new from every file.
// Events about other files in a watched directory (vigil's own log, say, when the operator writes it
// next to nginx's) wake the thread but are dropped without a poll: only events naming a followed file,
// the directory itself, or any file while a follower still reads files rotated away from its path,
// start a round. So a round that logs never causes the next one.
//
// Positions: start() applies the positions table's migrations, loads the stored rows and resumes each
// path from them. The tailer never writes positions itself: they travel with the batches and are saved
// by the pipeline in the transaction that stores the batch's alerts.
//
// Backpressure: handing a batch to the pipeline blocks while its first queue is full, so a slow stage
// or an unreachable database stops the reading (lines stay in the file), never drops lines.
//
// Shutdown: drain() stops reading and joins the thread (a blocked hand-over is cancelled; that batch
// is read again next time); everything handed over before is finished by the pipeline's stop().
//
// Health: degraded while a path is missing (waiting for it) or is no regular file (a FIFO, a
// directory...: named with its type; see file_follower.hpp).
//
// Thread-safety: status() and wakeups() from any thread.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "lifespan/config/config.hpp"
#include "lifespan/core/component.hpp"
#include "service/file_follower.hpp"

namespace vigil::service {

class pipeline;

class tailer : public lifespan::component {
 public:
  struct options {
    std::vector<std::string> paths{"./var/access.log"};
    std::string start_at = "beginning";  // or "end": where to begin a file with no stored position
    lifespan::duration poll_interval = std::chrono::milliseconds(250);
    lifespan::duration rotate_grace = std::chrono::seconds(2);
    std::int64_t read_bytes = 64 * 1024;
    std::int64_t max_line = 1024 * 1024;
  };
  static options read_options(lifespan::config::section& section);

  explicit tailer(options o) : options_(std::move(o)) {}
  ~tailer() override;

  void start(lifespan::context& ctx) override;
  void drain(lifespan::time_point deadline) override;
  void stop(lifespan::time_point deadline) override;
  std::optional<lifespan::health_report> check_health(std::stop_token cancel) override;

  std::vector<follower_status> status() const;

  // Counts of the thread's inotify wake-ups: those that started a round of polls, and events dropped
  // because they named no followed file.
  struct wakeup_counts {
    std::uint64_t rounds_on_events = 0, events_ignored = 0;
  };
  wakeup_counts wakeups() const {
    return {rounds_on_events_.load(std::memory_order_relaxed), events_ignored_.load(std::memory_order_relaxed)};
  }

 private:
  struct watch {
    int descriptor = -1;
    std::string directory;
  };
  void run(std::stop_token stop);
  void watch_directories();
  // Reads every pending inotify event; true when one of them may concern a followed file.
  bool read_events(std::vector<char>& buffer);
  bool concerns_followed_file(const watch& w, std::string_view name) const;
  void halt();
  void publish_status();

  options options_;
  pipeline* pipeline_ = nullptr;
  std::vector<std::unique_ptr<file_follower>> followers_;
  std::vector<watch> watched_;  // directories with an inotify watch
  std::vector<std::pair<std::string, std::string>> places_;  // per follower: its directory and file name
  int inotify_ = -1;
  int wake_ = -1;  // eventfd: stop
  std::stop_source stop_source_;  // halt() signals it; cancels a blocked hand-over too
  std::thread thread_;
  mutable std::mutex status_mutex_;
  std::vector<follower_status> status_;
  std::atomic<std::uint64_t> rounds_on_events_{0}, events_ignored_{0};
};

}  // namespace vigil::service
