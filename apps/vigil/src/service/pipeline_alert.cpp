#include "service/pipeline_alert.hpp"

#include <fmt/format.h>

namespace vigil::service {

std::string utf8_text(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  auto escape = [&](unsigned char c) { out += fmt::format("\\x{:02x}", c); };
  for (std::size_t i = 0; i < in.size();) {
    const auto c = static_cast<unsigned char>(in[i]);
    if (c < 0x20 || c == 0x7f) {
      escape(c);
      ++i;
      continue;
    }
    if (c < 0x80) {
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    std::size_t n = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
    bool ok = n > 0 && i + n <= in.size();
    for (std::size_t k = 1; ok && k < n; ++k) ok = (static_cast<unsigned char>(in[i + k]) & 0xc0) == 0x80;
    if (ok && n == 3) {
      const auto c1 = static_cast<unsigned char>(in[i + 1]);
      ok = !(c == 0xe0 && c1 < 0xa0) && !(c == 0xed && c1 >= 0xa0);  // overlong, surrogates
    }
    if (ok && n == 4) {
      const auto c1 = static_cast<unsigned char>(in[i + 1]);
      ok = !(c == 0xf0 && c1 < 0x90) && !(c == 0xf4 && c1 >= 0x90);  // overlong, beyond U+10FFFF
    }
    if (!ok) {
      escape(c);
      ++i;
      continue;
    }
    out.append(in.substr(i, n));
    i += n;
  }
  return out;
}

alert line_alert(std::string kind, const log_record& record, std::string_view proxy, const source& file,
                 std::uint64_t offset, const std::string& mode) {
  alert a;
  a.key = file.key + ":" + std::to_string(offset) + ":" + kind;
  a.kind = std::move(kind);
  a.time = record.epoch;
  a.client = utf8_text(record.remote_addr);
  a.proxy = utf8_text(proxy);
  a.method = utf8_text(record.method);
  a.path = utf8_text(record.target);
  a.status = record.status;
  a.user_agent = utf8_text(record.user_agent);
  a.mode = mode;
  a.file = file.path;
  a.offset = offset;
  return a;
}

}  // namespace vigil::service
