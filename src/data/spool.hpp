#pragma once
// The append-only local spool: events that could not (yet) go to the database, and in durable mode
// every event before it is acknowledged.
//
// Files: <dir>/<prefix>-<15-digit id>.spool, one segment per file; ids grow, so name order is age
// order. Records: u32 length, u32 crc32(body), body = origin, seq, at_us (i64 each), kind and payload
// (u32 length + bytes each). A torn tail (a crash mid-append) fails its length or crc check and ends
// the read of that file; everything before it is intact.
//
// Thread-safety: append(), seal() and the bookkeeping are safe from any thread. Syncs are group
// commits: a caller whose bytes another caller's fsync already covered does not fsync again.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "telemetry_item.hpp"

namespace lifespan::data {

class spool_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class spool {
 public:
  // track_commits: durable mode, where every spooled event is also queued; a sealed segment is then
  // deleted once all its events are committed, and offered for replay only when one was orphaned.
  spool(std::filesystem::path dir, std::string prefix, std::uint64_t segment_bytes, bool track_commits);
  ~spool();

  // Creates the directory and proves a file can be written there; throws spool_error naming the fix.
  void open();
  const std::filesystem::path& dir() const { return dir_; }

  // Appends and (sync) fsyncs; returns the segment id written to. Throws spool_error (disk full,
  // file too large, I/O error); the records are then not in the spool.
  std::uint32_t append(std::span<const telemetry_item> items, bool sync);
  void sync_active();

  // Closes the active segment if it holds anything; later appends open a new one. Returns whether
  // one was sealed.
  bool seal();
  bool active_empty() const;
  // Sealed segment files of this spool that need a replay, oldest first.
  std::vector<std::filesystem::path> sealed_files() const;

  // Durable bookkeeping: `n` events of `segment` are committed to the database; a sealed segment whose
  // every event is committed (and none orphaned) is deleted.
  void committed(std::uint32_t segment, std::uint64_t n);
  // An event of `segment` will never be committed by the writer (it is only in the spool): the
  // segment must be replayed instead of deleted.
  void orphaned(std::uint32_t segment);
  void forget(const std::filesystem::path& file);  // after a replay: delete it

  // Reads every intact record of `file` in order; returns how many.
  static std::uint64_t read(const std::filesystem::path& file, const std::function<void(telemetry_item&&)>& each);
  // All spool files in `dir` (any prefix), oldest first.
  static std::vector<std::filesystem::path> files_in(const std::filesystem::path& dir);

 private:
  struct segment;
  std::shared_ptr<segment> open_segment_locked();
  void maybe_delete_locked(std::uint32_t id);

  std::filesystem::path dir_;
  std::string prefix_;
  std::uint64_t segment_bytes_;
  bool track_commits_;
  std::int64_t last_stamp_ = 0;
  mutable std::mutex mutex_;
  std::shared_ptr<segment> active_;
  std::uint32_t next_id_ = 1;
  struct accounting {
    std::filesystem::path file;
    std::uint64_t appended = 0, committed = 0;
    bool sealed = false, orphaned = false;
  };
  std::map<std::uint32_t, accounting> segments_;
};

}  // namespace lifespan::data
