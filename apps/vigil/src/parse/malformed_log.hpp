#pragma once
// Counts lines that could not be parsed and keeps the first few for inspection. Samples are
// truncated and made printable (bytes outside 0x20..0x7e become \xHH), so a sample of binary
// junk is safe to print or put in JSON. Memory is bounded by capacity * max_sample_bytes.
// Not thread-safe: one per parser (merge() combines them).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vigil {

struct malformed_sample {
  std::string reason;
  std::string text;  // printable, truncated
  std::size_t length = 0;  // original length in bytes
};

class malformed_log {
 public:
  static constexpr std::size_t max_sample_bytes = 256;

  explicit malformed_log(std::size_t capacity = 16) : capacity_(capacity) {}

  void record(std::string_view line, std::string_view reason);
  void merge(const malformed_log& other);

  std::uint64_t count() const { return count_; }
  const std::vector<malformed_sample>& samples() const { return samples_; }

 private:
  std::size_t capacity_;
  std::uint64_t count_ = 0;
  std::vector<malformed_sample> samples_;
};

// Printable copy of at most `limit` bytes of `text` (\xHH for anything not printable ASCII).
std::string printable(std::string_view text, std::size_t limit);

}  // namespace vigil
