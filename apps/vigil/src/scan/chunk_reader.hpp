#pragma once
// Reads a stream in large chunks that end on a line boundary, so workers can split lines without
// coordination. A line longer than max_line is cut to max_line + 1 bytes (which the parser then
// rejects as too long) and the rest of it skipped: memory stays bounded by
// max(chunk_bytes, max_line) whatever the input. Not thread-safe.
#include <cstdio>
#include <string>

namespace vigil {

class chunk_reader {
 public:
  // `stream` is not owned.
  chunk_reader(std::FILE* stream, std::size_t chunk_bytes, std::size_t max_line);

  // Replaces `chunk` with the next whole lines; false at end of stream (chunk empty).
  bool next(std::string& chunk);
  bool failed() const { return failed_; }

 private:
  bool fill();

  std::FILE* stream_;
  std::size_t chunk_bytes_;
  std::size_t max_line_;
  std::string carry_;  // bytes after the last newline of the previous chunk
  bool skipping_ = false;
  bool eof_ = false;
  bool failed_ = false;
};

}  // namespace vigil
