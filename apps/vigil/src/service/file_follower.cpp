#include "service/file_follower.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace vigil::service {
namespace {

// The fingerprint of the file's first line (at most fingerprint_bytes); false when the file does not
// hold a complete first line or fingerprint_bytes yet.
bool first_line_fingerprint(int fd, std::uint64_t& hash, std::uint32_t& length) {
  char head[fingerprint_bytes];
  const ssize_t got = ::pread(fd, head, sizeof head, 0);
  if (got <= 0) return false;
  const auto* nl = static_cast<const char*>(std::memchr(head, '\n', static_cast<std::size_t>(got)));
  std::size_t n = 0;
  if (nl) n = static_cast<std::size_t>(nl - head) + 1;
  else if (static_cast<std::size_t>(got) == sizeof head) n = sizeof head;
  else return false;
  hash = fingerprint_of(head, n);
  length = static_cast<std::uint32_t>(n);
  return true;
}

// Why a path that exists is no file to follow, for messages and health: "is a FIFO (named pipe), not
// a regular file".
std::string not_regular(mode_t mode) {
  const char* what = S_ISFIFO(mode)   ? "a FIFO (named pipe)"
                     : S_ISDIR(mode)  ? "a directory"
                     : S_ISSOCK(mode) ? "a socket"
                     : S_ISCHR(mode)  ? "a character device"
                     : S_ISBLK(mode)  ? "a block device"
                                      : nullptr;
  return what ? fmt::format("is {}, not a regular file", what) : std::string("is not a regular file");
}

bool fingerprint_matches(int fd, std::uint64_t hash, std::uint32_t length) {
  if (length == 0 || length > fingerprint_bytes) return false;
  char head[fingerprint_bytes];
  const ssize_t got = ::pread(fd, head, length, 0);
  return got == static_cast<ssize_t>(length) && fingerprint_of(head, length) == hash;
}

}  // namespace

file_follower::file_follower(std::string path, follower_options options, submit_fn submit)
    : path_(std::move(path)), options_(options), submit_(std::move(submit)), buffer_(options_.read_bytes) {}

file_follower::~file_follower() {
  if (current_) close_file(*current_);
  for (auto& r : rotated_) close_file(*r);
}

void file_follower::close_file(open_file& f) {
  if (f.fd >= 0) ::close(f.fd);
  f.fd = -1;
}

void file_follower::set_problem(std::string problem) {
  const auto now = std::chrono::steady_clock::now();
  if (problem == problem_) {
    if (!problem_.empty() && now - problem_logged_ >= options_.problem_reminder) {
      spdlog::warn("tailer: {} still {}; nothing is read from it", path_, problem_);
      problem_logged_ = now;
    }
    return;
  }
  if (!problem.empty())
    spdlog::error("tailer: {} {}; {} (it is followed from its start as soon as it can be; reminded every {} s)", path_,
                  problem,
                  problem.starts_with("cannot") ? "give vigil's user read access to it"
                                                : "vigil follows regular files only: point tailer.paths at the log "
                                                  "file itself or put one there",
                  std::chrono::duration_cast<std::chrono::seconds>(options_.problem_reminder).count());
  else
    spdlog::info("tailer: {} changed (it {} before); followed as soon as a regular file is there", path_, problem_);
  problem_ = std::move(problem);
  problem_logged_ = now;
}

bool file_follower::open_current(bool from_end, const stored_position* resume) {
  struct stat st {};
  if (::stat(path_.c_str(), &st) != 0) {  // not there (yet): checked again on the next poll
    set_problem({});
    return false;
  }
  if (!S_ISREG(st.st_mode)) {
    set_problem(not_regular(st.st_mode));
    return false;
  }
  // O_NONBLOCK: should a FIFO have taken the path since the stat, open() must not wait for a writer.
  const int fd = ::open(path_.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    set_problem(errno == ENOENT ? std::string() : fmt::format("cannot be opened: {}", std::strerror(errno)));
    return false;
  }
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    set_problem(not_regular(st.st_mode));
    ::close(fd);
    return false;
  }
  set_problem({});
  auto f = std::make_unique<open_file>();
  f->fd = fd;
  auto id = std::make_shared<source>();
  id->path = path_;
  id->device = st.st_dev;
  id->inode = st.st_ino;
  if (resume && resume->device == id->device && resume->inode == id->inode) {
    id->truncations = resume->truncations;
    if (static_cast<std::uint64_t>(st.st_size) >= resume->offset &&
        fingerprint_matches(fd, resume->fingerprint, resume->fingerprint_length)) {
      id->fingerprint = resume->fingerprint;
      id->fingerprint_length = resume->fingerprint_length;
      f->identified = true;
      f->read_offset = f->line_offset = resume->offset;
    } else {
      ++id->truncations;  // truncated (or rewritten) while we were away: a new generation from 0
      ++truncations_;
      spdlog::warn("tailer: {} was truncated or rewritten since the last run (stored offset {}, size now {}, first "
                   "{} bytes {}); reading it again from the start", path_, resume->offset, st.st_size,
                   resume->fingerprint_length,
                   fingerprint_matches(fd, resume->fingerprint, resume->fingerprint_length) ? "unchanged" : "changed");
    }
  } else if (from_end && first_line_fingerprint(fd, id->fingerprint, id->fingerprint_length)) {
    f->identified = true;
    f->read_offset = f->line_offset = static_cast<std::uint64_t>(st.st_size);
  }
  if (f->identified) id->make_key();
  f->identity = std::move(id);
  f->last_growth = std::chrono::steady_clock::now();
  current_ = std::move(f);
  return true;
}

void file_follower::restore(const std::vector<stored_position>& rows) {
  struct stat ps {};
  const bool exists = ::stat(path_.c_str(), &ps) == 0;
  const stored_position* resume = nullptr;
  for (const auto& row : rows)
    if (exists && row.device == ps.st_dev && row.inode == ps.st_ino) resume = &row;
  // Files rotated away while we were not running: find them by inode next to the path and finish them.
  const auto dir = std::filesystem::path(path_).parent_path();
  for (const auto& row : rows) {
    if (&row == resume) continue;
    int fd = -1;
    if (DIR* d = ::opendir(dir.empty() ? "." : dir.c_str())) {
      while (dirent* e = ::readdir(d)) {
        if (e->d_ino != row.inode) continue;
        const auto candidate = (dir.empty() ? std::filesystem::path(".") : dir) / e->d_name;
        struct stat st {};
        if (::stat(candidate.c_str(), &st) != 0 || st.st_dev != row.device || !S_ISREG(st.st_mode)) continue;
        fd = ::open(candidate.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);  // no wait, were it a FIFO by now
        if (fd >= 0 && !fingerprint_matches(fd, row.fingerprint, row.fingerprint_length)) {
          ::close(fd);
          fd = -1;
        }
        if (fd >= 0) spdlog::info("tailer: finishing {} (rotated from {} since the last run) from offset {}",
                                  candidate.string(), path_, row.offset);
        break;
      }
      ::closedir(d);
    }
    auto f = std::make_unique<open_file>();
    f->fd = fd;
    auto id = std::make_shared<source>();
    id->path = path_;
    id->device = row.device;
    id->inode = row.inode;
    id->fingerprint = row.fingerprint;
    id->fingerprint_length = row.fingerprint_length;
    id->truncations = row.truncations;
    id->make_key();
    f->identity = std::move(id);
    f->identified = true;
    f->read_offset = f->line_offset = row.offset;
    f->last_growth = std::chrono::steady_clock::now();
    if (fd < 0)
      spdlog::warn("tailer: {} was rotated since the last run and the old file (inode {}) is gone; lines after "
                   "offset {} of it were not processed", path_, row.inode, row.offset);
    rotated_.push_back(std::move(f));  // a missing file is retired on the first poll
  }
  open_current(options_.start_at_end && rows.empty(), resume);
}

bool file_follower::identify(open_file& f) {
  if (f.identified) return true;
  auto id = std::make_shared<source>(*f.identity);
  if (!first_line_fingerprint(f.fd, id->fingerprint, id->fingerprint_length)) return false;
  id->make_key();
  f.identity = std::move(id);
  f.identified = true;
  return true;
}

void file_follower::reset_generation(open_file& f) {
  auto id = std::make_shared<source>(*f.identity);
  ++id->truncations;
  id->fingerprint = 0;
  id->fingerprint_length = 0;
  id->key.clear();
  f.identity = std::move(id);
  f.identified = false;
  f.read_offset = f.line_offset = 0;
  f.partial.clear();
  f.skipping = false;
  ++truncations_;
}

bool file_follower::check_truncation(open_file& f) {
  struct stat st {};
  if (::fstat(f.fd, &st) != 0) return false;
  const bool shorter = static_cast<std::uint64_t>(st.st_size) < f.read_offset;
  const bool rewritten = !shorter && f.identified && f.read_offset > 0 &&
                         !fingerprint_matches(f.fd, f.identity->fingerprint, f.identity->fingerprint_length);
  if (!shorter && !rewritten) return false;
  spdlog::info("tailer: {} was truncated (copytruncate?) at offset {}; reading the new content from the start", path_,
               f.read_offset);
  reset_generation(f);
  return true;
}

bool file_follower::read_available(open_file& f, bool& grew) {
  if (f.fd < 0) return true;
  for (;;) {
    const ssize_t n = ::pread(f.fd, buffer_.data(), buffer_.size(), static_cast<off_t>(f.read_offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      spdlog::error("tailer: reading {} at offset {} failed: {}", path_, f.read_offset, std::strerror(errno));
      return true;
    }
    if (n == 0) return true;
    grew = true;
    f.read_offset += static_cast<std::uint64_t>(n);
    f.partial.append(buffer_.data(), static_cast<std::size_t>(n));
    if (f.skipping) {
      const auto nl = f.partial.find('\n');
      if (nl == std::string::npos) {
        f.line_offset += f.partial.size();
        f.partial.clear();
        continue;
      }
      f.line_offset += nl + 1;
      f.partial.erase(0, nl + 1);
      f.skipping = false;
      ++skipped_;
    }
    if (!f.identified && !identify(f)) continue;  // the first line is not complete yet
    const auto last = f.partial.rfind('\n');
    if (last == std::string::npos) {
      if (f.partial.size() > options_.max_line) {  // never buffer a line without bound
        spdlog::warn("tailer: {}: a line at offset {} is longer than {} bytes; skipped", path_, f.line_offset,
                     options_.max_line);
        f.skipping = true;
        f.line_offset += f.partial.size();
        f.partial.clear();
      }
      continue;
    }
    raw_batch batch;
    batch.file = f.identity;
    batch.begin = f.line_offset;
    batch.end = f.line_offset + last + 1;
    if (last + 1 == f.partial.size()) {
      batch.text = std::move(f.partial);
      f.partial.clear();
    } else {
      batch.text.assign(f.partial, 0, last + 1);
      f.partial.erase(0, last + 1);
    }
    batch.read_at = std::chrono::steady_clock::now();
    f.line_offset = batch.end;
    if (!submit_(std::move(batch))) return false;
  }
}

bool file_follower::poll() {
  const auto now = std::chrono::steady_clock::now();
  struct stat ps {};
  const bool exists = ::stat(path_.c_str(), &ps) == 0;
  if (current_) {
    if (!exists || ps.st_dev != current_->identity->device || ps.st_ino != current_->identity->inode) {
      spdlog::info("tailer: {} was rotated (inode {} -> {}); finishing the old file", path_,
                   current_->identity->inode, exists ? ps.st_ino : 0);
      ++rotations_;
      current_->last_growth = now;
      rotated_.push_back(std::move(current_));
    } else {
      check_truncation(*current_);
    }
  }
  // Older generations first, so lines reach the pipeline in the order they were written.
  for (auto it = rotated_.begin(); it != rotated_.end();) {
    auto& r = **it;
    bool grew = false;
    if (!read_available(r, grew)) return false;
    if (grew) r.last_growth = now;
    if (r.fd >= 0 && now - r.last_growth < options_.rotate_grace) {
      ++it;
      continue;
    }
    raw_batch retire;
    retire.file = r.identity;
    retire.begin = retire.end = r.line_offset;
    retire.retire = true;
    retire.read_at = now;
    if (!submit_(std::move(retire))) return false;
    close_file(r);
    it = rotated_.erase(it);
  }
  if (!current_) open_current(false, nullptr);  // also notes (and reminds of) a path that is no regular file
  if (current_) {
    bool grew = false;
    if (!read_available(*current_, grew)) return false;
    if (grew) current_->last_growth = now;
  }
  return true;
}

follower_status file_follower::status() const {
  follower_status s;
  s.path = path_;
  s.exists = current_ != nullptr;
  s.problem = problem_;
  if (current_) {
    s.inode = current_->identity->inode;
    s.offset = current_->line_offset;
  }
  s.rotated_open = rotated_.size();
  s.skipped_long_lines = skipped_;
  s.truncations_seen = truncations_;
  s.rotations_seen = rotations_;
  return s;
}

}  // namespace vigil::service
