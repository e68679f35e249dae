#include "scan/chunk_reader.hpp"

#include <algorithm>
#include <cstring>

namespace vigil {

chunk_reader::chunk_reader(std::FILE* stream, std::size_t chunk_bytes, std::size_t max_line)
    : stream_(stream), chunk_bytes_(std::max<std::size_t>(chunk_bytes, 4096)), max_line_(max_line) {}

bool chunk_reader::next(std::string& chunk) {
  chunk.clear();
  chunk.swap(carry_);
  for (;;) {
    if (eof_) return !chunk.empty();
    const auto old = chunk.size();
    chunk.resize(old + chunk_bytes_);
    const auto got = std::fread(chunk.data() + old, 1, chunk_bytes_, stream_);
    chunk.resize(old + got);
    if (got == 0) {
      eof_ = true;
      failed_ = std::ferror(stream_) != 0;
      continue;
    }
    if (skipping_) {  // drop the rest of an overlong line
      const auto nl = chunk.find('\n', old);
      if (nl == std::string::npos) {
        chunk.resize(old);
        continue;
      }
      chunk.erase(old, nl + 1 - old);
      skipping_ = false;
    }
    const auto last = chunk.rfind('\n');
    if (last != std::string::npos) {
      carry_.assign(chunk, last + 1, std::string::npos);
      chunk.resize(last + 1);
      if (carry_.size() > max_line_) {  // the partial line is already too long: cut it now
        carry_.resize(max_line_ + 1);
        carry_ += '\n';
        skipping_ = true;
      }
      return true;
    }
    if (chunk.size() > max_line_) {  // one line in progress and already too long
      chunk.resize(max_line_ + 1);
      chunk += '\n';
      skipping_ = true;
      return true;
    }
  }
}

}  // namespace vigil
