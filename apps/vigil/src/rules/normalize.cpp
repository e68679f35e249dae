#include "rules/normalize.hpp"

namespace vigil {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool unescape_nginx(std::string_view in, std::string& out) {
  out.clear();
  if (in.find("\\x") == std::string_view::npos) {
    out.assign(in);
    return false;
  }
  bool changed = false;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '\\' && i + 3 < in.size() && in[i + 1] == 'x') {
      const int hi = hex_value(in[i + 2]);
      const int lo = hex_value(in[i + 3]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 3;
        changed = true;
        continue;
      }
    }
    out += in[i];
  }
  return changed;
}

bool percent_decode_once(std::string_view in, std::string& out) {
  out.clear();
  out.reserve(in.size());
  bool changed = false;
  bool in_query = false;
  for (std::size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '%' && i + 5 < in.size() && (in[i + 1] == 'u' || in[i + 1] == 'U')) {  // IIS %uXXXX
      const int a = hex_value(in[i + 2]), b = hex_value(in[i + 3]), d = hex_value(in[i + 4]), e = hex_value(in[i + 5]);
      if (a >= 0 && b >= 0 && d >= 0 && e >= 0) {
        const unsigned cp = static_cast<unsigned>((a << 12) | (b << 8) | (d << 4) | e);
        if (cp < 0x80) {
          out += static_cast<char>(cp);
        } else if (cp < 0x800) {
          out += static_cast<char>(0xc0 | (cp >> 6));
          out += static_cast<char>(0x80 | (cp & 0x3f));
        } else {
          out += static_cast<char>(0xe0 | (cp >> 12));
          out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
          out += static_cast<char>(0x80 | (cp & 0x3f));
        }
        i += 5;
        changed = true;
        continue;
      }
    }
    if (c == '%' && i + 2 < in.size()) {
      const int hi = hex_value(in[i + 1]);
      const int lo = hex_value(in[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        changed = true;
        continue;
      }
    }
    if (c == '?') in_query = true;
    if (c == '+' && in_query) {
      out += ' ';
      changed = true;
      continue;
    }
    out += c;
  }
  return changed;
}

int normalize_target(std::string_view raw, std::string& out, std::string& scratch) {
  unescape_nginx(raw, out);
  int depth = 0;
  while (depth < max_decode_depth && out.find_first_of("%+") != std::string::npos) {
    if (!percent_decode_once(out, scratch)) break;
    out.swap(scratch);
    ++depth;
  }
  return depth;
}

}  // namespace vigil
