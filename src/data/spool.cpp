#include "spool.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>

namespace lifespan::data {
namespace {

namespace fs = std::filesystem;

void put32(std::string& out, std::uint32_t v) { out.append(reinterpret_cast<const char*>(&v), 4); }
void put64(std::string& out, std::int64_t v) { out.append(reinterpret_cast<const char*>(&v), 8); }

void encode(std::string& out, const telemetry_item& item) {
  const std::size_t start = out.size();
  out.append(8, '\0');  // length and crc, filled below
  put64(out, item.origin);
  put64(out, item.seq);
  put64(out, item.at_us);
  put32(out, static_cast<std::uint32_t>(item.kind.size()));
  out += item.kind;
  put32(out, static_cast<std::uint32_t>(item.payload.size()));
  out += item.payload;
  const auto length = static_cast<std::uint32_t>(out.size() - start - 8);
  const auto crc = static_cast<std::uint32_t>(
      crc32(0, reinterpret_cast<const Bytef*>(out.data() + start + 8), static_cast<uInt>(length)));
  std::memcpy(out.data() + start, &length, 4);
  std::memcpy(out.data() + start + 4, &crc, 4);
}

std::string describe_errno(int error) {
  std::string why = std::strerror(error);
  if (error == EFBIG || error == ENOSPC || error == EDQUOT)
    why += " (the spool's disk is full or a file-size limit is reached)";
  return why;
}

}  // namespace

struct spool::segment {
  int fd = -1;
  fs::path file;
  std::uint32_t id = 0;
  std::atomic<std::uint64_t> written{0};
  std::uint64_t synced = 0;  // under sync_mutex
  std::mutex sync_mutex;
  ~segment() {
    if (fd >= 0) ::close(fd);
  }
};

spool::spool(fs::path dir, std::string prefix, std::uint64_t segment_bytes, bool track_commits)
    : dir_(std::move(dir)), prefix_(std::move(prefix)), segment_bytes_(segment_bytes), track_commits_(track_commits) {}

spool::~spool() = default;

void spool::open() {
  std::error_code error;
  fs::create_directories(dir_, error);
  if (error)
    throw spool_error(fmt::format("telemetry spool {}: cannot create the directory: {}; create it or set spool_dir to "
                                  "a writable directory",
                                  dir_.string(), error.message()));
  const fs::path probe = dir_ / (".probe-" + prefix_);
  const int fd = ::open(probe.c_str(), O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    throw spool_error(fmt::format("telemetry spool {}: cannot create files there: {}; fix its permissions or set "
                                  "spool_dir elsewhere",
                                  dir_.string(), std::strerror(errno)));
  ::close(fd);
  fs::remove(probe, error);
}

std::shared_ptr<spool::segment> spool::open_segment_locked() {
  auto seg = std::make_shared<segment>();
  const auto now = std::chrono::duration_cast<std::chrono::microseconds>(
                       std::chrono::system_clock::now().time_since_epoch()).count();
  last_stamp_ = std::max(last_stamp_ + 1, static_cast<std::int64_t>(now));
  seg->file = dir_ / fmt::format("{:017d}-{}-{}.spool", last_stamp_, ::getpid(), prefix_);
  seg->fd = ::open(seg->file.c_str(), O_CREAT | O_WRONLY | O_APPEND | O_CLOEXEC, 0600);
  if (seg->fd < 0)
    throw spool_error(fmt::format("telemetry spool {}: cannot create a segment: {}; free space or fix permissions",
                                  seg->file.string(), describe_errno(errno)));
  seg->id = next_id_++;
  segments_[seg->id].file = seg->file;
  return seg;
}

std::uint32_t spool::append(std::span<const telemetry_item> items, bool sync) {
  if (items.empty()) return 0;
  std::string bytes;
  for (const auto& item : items) encode(bytes, item);
  std::shared_ptr<segment> seg;
  std::uint64_t end = 0;
  {
    std::lock_guard lock(mutex_);
    if (!active_) active_ = open_segment_locked();
    seg = active_;
    const std::uint64_t before = seg->written.load(std::memory_order_relaxed);
    std::size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::write(seg->fd, bytes.data() + done, bytes.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        const int error = n < 0 ? errno : ENOSPC;
        if (::ftruncate(seg->fd, static_cast<off_t>(before)) != 0) {  // leave no partial record behind
        }
        throw spool_error(fmt::format("telemetry spool {}: cannot append {} event(s): {}; free space in {} or point "
                                      "spool_dir elsewhere",
                                      seg->file.string(), items.size(), describe_errno(error), dir_.string()));
      }
      done += static_cast<std::size_t>(n);
    }
    end = before + bytes.size();
    seg->written.store(end, std::memory_order_release);
    segments_[seg->id].appended += items.size();
    if (end >= segment_bytes_) {
      segments_[seg->id].sealed = true;
      active_.reset();
      maybe_delete_locked(seg->id);
    }
  }
  if (sync) {
    std::lock_guard lock(seg->sync_mutex);
    if (seg->synced < end) {
      const std::uint64_t target = seg->written.load(std::memory_order_acquire);
      if (::fdatasync(seg->fd) != 0)
        throw spool_error(fmt::format("telemetry spool {}: fsync failed: {}", seg->file.string(), describe_errno(errno)));
      seg->synced = target;
    }
  }
  return seg->id;
}

void spool::sync_active() {
  std::shared_ptr<segment> seg;
  {
    std::lock_guard lock(mutex_);
    seg = active_;
  }
  if (seg) {
    std::lock_guard lock(seg->sync_mutex);
    (void)::fdatasync(seg->fd);
    seg->synced = seg->written.load();
  }
}

bool spool::seal() {
  std::lock_guard lock(mutex_);
  if (!active_ || active_->written.load() == 0) return false;
  const std::uint32_t id = active_->id;
  {
    std::lock_guard sync_lock(active_->sync_mutex);
    (void)::fdatasync(active_->fd);
  }
  segments_[id].sealed = true;
  active_.reset();
  maybe_delete_locked(id);
  return true;
}

bool spool::active_empty() const {
  std::lock_guard lock(mutex_);
  return !active_ || active_->written.load() == 0;
}

std::vector<fs::path> spool::sealed_files() const {
  std::lock_guard lock(mutex_);
  std::vector<fs::path> out;
  for (const auto& [id, acc] : segments_)
    if (acc.sealed && (!track_commits_ || acc.orphaned)) out.push_back(acc.file);
  std::sort(out.begin(), out.end());
  return out;
}

void spool::committed(std::uint32_t segment, std::uint64_t n) {
  std::lock_guard lock(mutex_);
  auto it = segments_.find(segment);
  if (it == segments_.end()) return;
  it->second.committed += n;
  maybe_delete_locked(segment);
}

void spool::orphaned(std::uint32_t segment) {
  std::lock_guard lock(mutex_);
  auto it = segments_.find(segment);
  if (it != segments_.end()) it->second.orphaned = true;
}

void spool::maybe_delete_locked(std::uint32_t id) {
  auto it = segments_.find(id);
  if (it == segments_.end() || !track_commits_) return;
  const auto& acc = it->second;
  if (acc.sealed && !acc.orphaned && acc.committed >= acc.appended) {
    std::error_code ignored;
    fs::remove(acc.file, ignored);
    segments_.erase(it);
  }
}

void spool::forget(const fs::path& file) {
  std::error_code ignored;
  fs::remove(file, ignored);
  std::lock_guard lock(mutex_);
  for (auto it = segments_.begin(); it != segments_.end(); ++it)
    if (it->second.file == file) {
      segments_.erase(it);
      break;
    }
}

std::uint64_t spool::read(const fs::path& file, const std::function<void(telemetry_item&&)>& each) {
  std::ifstream in(file, std::ios::binary);
  std::string body;
  std::uint64_t count = 0;
  for (;;) {
    std::uint32_t header[2];
    if (!in.read(reinterpret_cast<char*>(header), sizeof header)) break;
    if (header[0] < 28 || header[0] > (1u << 30)) break;  // torn or corrupt: stop here
    body.resize(header[0]);
    if (!in.read(body.data(), header[0])) break;
    if (static_cast<std::uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(body.data()), header[0])) != header[1])
      break;
    telemetry_item item;
    std::size_t at = 0;
    auto get64 = [&] {
      std::int64_t v;
      std::memcpy(&v, body.data() + at, 8);
      at += 8;
      return v;
    };
    auto get_string = [&](std::string& out) {
      if (at + 4 > body.size()) return false;
      std::uint32_t n;
      std::memcpy(&n, body.data() + at, 4);
      at += 4;
      if (at + n > body.size()) return false;
      out.assign(body.data() + at, n);
      at += n;
      return true;
    };
    item.origin = get64();
    item.seq = get64();
    item.at_us = get64();
    if (!get_string(item.kind) || !get_string(item.payload)) break;
    each(std::move(item));
    ++count;
  }
  return count;
}

std::vector<fs::path> spool::files_in(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(dir, error))
    if (entry.path().extension() == ".spool") out.push_back(entry.path());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace lifespan::data
