#include "parse/malformed_log.hpp"

namespace vigil {

std::string printable(std::string_view text, std::size_t limit) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(std::min(text.size(), limit) + 8);
  for (std::size_t i = 0; i < text.size() && i < limit; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  if (text.size() > limit) out += "...";
  return out;
}

void malformed_log::record(std::string_view line, std::string_view reason) {
  ++count_;
  if (samples_.size() < capacity_)
    samples_.push_back({std::string(reason), printable(line, max_sample_bytes), line.size()});
}

void malformed_log::merge(const malformed_log& other) {
  count_ += other.count_;
  for (const auto& s : other.samples_) {
    if (samples_.size() >= capacity_) break;
    samples_.push_back(s);
  }
}

}  // namespace vigil
