#pragma once
// Follows one configured log path through its generations: the file there now, plus files rotated
// away from it that may still be written to (nginx writes to the old file until it reopens its logs).
// Knows nothing about threads or inotify: the tailer calls poll() whenever something may have changed
// (and on a timer), and poll() reads whatever is new, handing complete lines to `submit` in batches.
//
// Rotation by rename: the path names another inode (or nothing). The old file is kept open and read
// until it has not grown for `rotate_grace`, then retired (its position row is removed with its last
// batch). Copytruncate: the file is shorter than what was read, or its first bytes changed: reading
// starts again at 0 as a new generation (truncation count + 1). A path that does not exist yet is
// simply checked again on the next poll. Lines longer than `max_line` are skipped (counted), never
// buffered without bound.
//
// Only regular files are followed. The path is stat()ed before it is opened, and opened with
// O_NONBLOCK then fstat()ed (it may change in between), so a FIFO there never blocks the thread. A
// path that is a FIFO, a directory, a socket or a device (or cannot be opened) is a `problem`: logged
// once when it starts, reminded every `problem_reminder` while it lasts, logged once when it ends
// (so a wake-up that changes nothing logs nothing), and checked again on every poll like a path that
// does not exist yet: a regular file put there is followed from its start.
//
// Resuming (restore()): the stored row of the inode at the path gives the offset to continue from
// (verified by size and fingerprint, else the file was truncated while we were away); rows of other
// inodes are files rotated while we were away, looked up by inode in the same directory and finished.
//
// Not thread-safe: owned and driven by the tailer's thread.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "service/pipeline.hpp"
#include "service/source.hpp"

namespace vigil::service {

struct follower_options {
  std::size_t read_bytes = 64 * 1024;
  std::size_t max_line = 1024 * 1024;
  std::chrono::milliseconds rotate_grace{2000};
  bool start_at_end = false;  // for a path with no stored position at startup
  std::chrono::milliseconds problem_reminder{std::chrono::minutes(5)};
};

struct follower_status {
  std::string path;
  bool exists = false;   // a regular file is open at the path
  std::string problem;   // why the path cannot be followed, e.g. "is a FIFO (named pipe), not a regular file"
  std::uint64_t inode = 0, offset = 0;  // offset read (lines handed to the pipeline)
  std::size_t rotated_open = 0;
  std::uint64_t skipped_long_lines = 0, truncations_seen = 0, rotations_seen = 0;
};

class file_follower {
 public:
  // Returns false when the pipeline will not take the batch (stopping): the follower stops reading.
  using submit_fn = std::function<bool(raw_batch)>;

  file_follower(std::string path, follower_options options, submit_fn submit);
  ~file_follower();
  file_follower(const file_follower&) = delete;
  file_follower& operator=(const file_follower&) = delete;

  void restore(const std::vector<stored_position>& rows);
  // Reads everything new. False when a submit was refused (stop reading).
  bool poll();

  const std::string& path() const { return path_; }
  follower_status status() const;
  // Files rotated away from the path are still open (their writes matter too).
  bool has_rotated() const { return !rotated_.empty(); }

 private:
  struct open_file {
    int fd = -1;
    std::shared_ptr<source> identity;  // replaced (never mutated) once handed out
    bool identified = false;           // fingerprint known
    std::uint64_t read_offset = 0;     // bytes consumed into `partial`
    std::uint64_t line_offset = 0;     // file offset of partial[0]
    std::string partial;
    bool skipping = false;             // inside an over-long line
    std::chrono::steady_clock::time_point last_growth;
  };
  bool open_current(bool from_end, const stored_position* resume);
  // Records why the path cannot be followed ("" when it can, or when it does not exist), logging changes.
  void set_problem(std::string problem);
  bool read_available(open_file& f, bool& grew);
  bool check_truncation(open_file& f);
  bool identify(open_file& f);
  void reset_generation(open_file& f);
  void close_file(open_file& f);

  std::string path_;
  follower_options options_;
  submit_fn submit_;
  std::unique_ptr<open_file> current_;
  std::vector<std::unique_ptr<open_file>> rotated_;
  std::uint64_t skipped_ = 0, truncations_ = 0, rotations_ = 0;
  std::string problem_;
  std::chrono::steady_clock::time_point problem_logged_{};
  std::vector<char> buffer_;
};

}  // namespace vigil::service
