// base64Decode, base64DecodeExt, base64Encode, utf8toUnicode, normalisePath(Win): semantics of
// libmodsecurity 3.0.9 (see transform.hpp), whose base64 is the mbed TLS 2.x copy it bundles.
#include <array>
#include <cstddef>
#include <cstdint>

#include "crs/transform_detail.hpp"

namespace vigil::crs::detail {
namespace {

constexpr char base64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr int invalid = -1;

// mbed TLS's table: 0-63 for the alphabet, 64 for '=', invalid otherwise.
constexpr std::array<int, 256> strict_table() {
  std::array<int, 256> t{};
  for (auto& v : t) v = invalid;
  for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(base64_alphabet[i])] = i;
  t['='] = 64;
  return t;
}

// base64DecodeExt's table: the standard alphabet only (3.0.9 predates the URL-safe '-' and '_' of later
// versions); every other byte, white space included, is ignored.
constexpr std::array<int, 256> forgiving_table() {
  std::array<int, 256> t{};
  for (auto& v : t) v = invalid;
  for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(base64_alphabet[i])] = i;
  return t;
}

constexpr auto strict = strict_table();
constexpr auto forgiving = forgiving_table();

// Accumulates sextets, emitting the complete bytes; a trailing partial byte is never emitted.
class sextets {
 public:
  explicit sextets(sink& s) : s_(s) {}
  void add(int v) {
    const auto byte = [](int x) { return static_cast<unsigned char>(x); };
    switch (count_++ % 4) {
      case 0: acc_ = byte(v << 2); break;
      case 1: s_.put(byte(acc_ | (v >> 4))); acc_ = byte(v << 4); break;
      case 2: s_.put(byte(acc_ | (v >> 2))); acc_ = byte(v << 6); break;
      default: s_.put(byte(acc_ | v)); break;
    }
  }
  std::size_t count() const { return count_; }

 private:
  sink& s_;
  std::size_t count_ = 0;
  unsigned char acc_ = 0;
};

}  // namespace

// mbed TLS's strict decoder on the input up to its first NUL (3.0.9 passes strlen). Any rejection yields
// "": a byte outside the alphabet, a space inside a line (spaces before a line end or at the very end are
// fine, as are "\n" and "\r\n"), a third '=', data after '='. Only complete groups of four are decoded;
// a trailing partial group is dropped silently.
void base64_decode(std::string_view in, std::string& out) {
  const std::size_t nul = in.find('\0');
  if (nul != std::string_view::npos) in = in.substr(0, nul);
  const std::size_t n = in.size();
  out.clear();
  std::size_t pads = 0;
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t spaces = 0;
    while (i < n && in[i] == ' ') {
      ++i;
      ++spaces;
    }
    if (i == n) break;
    if (in[i] == '\n' || (in[i] == '\r' && i + 1 < n && in[i + 1] == '\n')) continue;
    if (spaces != 0) return;
    const int v = strict[static_cast<unsigned char>(in[i])];
    if (v == invalid) return;
    if (v == 64 && ++pads > 2) return;
    if (v < 64 && pads != 0) return;
  }
  sink s(out, n);
  std::uint32_t acc = 0;
  int keep = 3;  // bytes of a group to emit: 3 minus the '=' seen so far
  int got = 0;
  for (unsigned char c : in) {
    if (c == '\r' || c == '\n' || c == ' ') continue;
    const int v = strict[c];
    if (v == 64) --keep;
    acc = (acc << 6) | static_cast<std::uint32_t>(v & 0x3f);
    if (++got == 4) {
      got = 0;
      if (keep > 0) s.put(static_cast<unsigned char>(acc >> 16));
      if (keep > 1) s.put(static_cast<unsigned char>(acc >> 8));
      if (keep > 2) s.put(static_cast<unsigned char>(acc));
    }
  }
  s.finish();
}

// ModSecurity's forgiving decoder (from v2's base64DecodeExt): bytes outside the alphabet are ignored,
// '=' too, except that a '=' not followed by '=' after 4k+1 sextets, or ending the input there, yields "".
// Quirk: the end-of-input check compares the last byte's *value* with '=', so a final '9' (sextet 61,
// the code of '=') after 4k+1 sextets also yields "".
void base64_decode_ext(std::string_view in, std::string& out) {
  sink s(out, in.size());
  sextets d(s);
  int last = 0;  // the last byte's value as 3.0.9 keeps it: '=' itself, or its sextet, or negative
  for (std::size_t i = 0; i < in.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(in[i]);
    if (c == '=') {
      last = '=';
      if (at(in, i + 1) != '=' && d.count() % 4 == 1) {
        out.clear();
        return;
      }
      continue;
    }
    last = forgiving[c];
    if (last < 0) continue;
    d.add(last);
  }
  if (last == '=' && d.count() % 4 == 1) {
    out.clear();
    return;
  }
  s.finish();
}

void base64_encode(std::string_view in, std::string& out) {
  sink s(out, (in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  const auto b = [&](std::size_t k) { return static_cast<unsigned>(static_cast<unsigned char>(in[k])); };
  const auto sym = [](unsigned v) { return static_cast<unsigned char>(base64_alphabet[v & 0x3f]); };
  for (; i + 3 <= in.size(); i += 3) {
    const unsigned v = (b(i) << 16) | (b(i + 1) << 8) | b(i + 2);
    s.put(sym(v >> 18));
    s.put(sym(v >> 12));
    s.put(sym(v >> 6));
    s.put(sym(v));
  }
  if (i < in.size()) {
    const unsigned v = (b(i) << 16) | (i + 1 < in.size() ? b(i + 1) << 8 : 0);
    s.put(sym(v >> 18));
    s.put(sym(v >> 12));
    s.put(i + 1 < in.size() ? sym(v >> 6) : '=');
    s.put('=');
  }
  s.finish();
}

// Each valid 2-4 byte UTF-8 sequence becomes %uHHHH (lowercase hex, at least four digits: U+10000 and up
// give five or six). Quirks of 3.0.9, all reproduced:
//  - a lead byte 0xC0-0xF7 whose continuation bytes are missing or wrong is deleted (the bytes after it
//    are examined afresh); stray continuation bytes and 0xF8-0xFF stay as they are;
//  - overlong forms and surrogates are still converted, and the lead byte is appended after the %u
//    (C0 80 -> "%u0000\xC0"); leads 0xF5-0xF7 are emitted before their conversion;
//  - NUL bytes are deleted (3.0.9 writes them without advancing, and returns a C string).
void utf8_to_unicode(std::string_view in, std::string& out) {
  sink s(out, in.size() * 4);
  const std::size_t n = in.size();
  const auto cont = [&](std::size_t k) { return (at(in, k) & 0xc0) == 0x80; };
  const auto bits = [&](std::size_t k) { return static_cast<std::uint32_t>(at(in, k) & 0x3f); };
  std::size_t i = 0;
  while (i < n) {
    const unsigned char c = static_cast<unsigned char>(in[i]);
    std::size_t len = 0;
    std::uint32_t d = 0;
    if (c < 0x80) {
      if (c != 0) s.put(c);
    } else if ((c & 0xe0) == 0xc0) {
      if (cont(i + 1)) {
        len = 2;
        d = (static_cast<std::uint32_t>(c & 0x1f) << 6) | bits(i + 1);
      }
    } else if ((c & 0xf0) == 0xe0) {
      if (cont(i + 1) && cont(i + 2)) {
        len = 3;
        d = (static_cast<std::uint32_t>(c & 0x0f) << 12) | (bits(i + 1) << 6) | bits(i + 2);
      }
    } else if ((c & 0xf8) == 0xf0) {
      if (c >= 0xf5) s.put(c);
      if (cont(i + 1) && cont(i + 2) && cont(i + 3)) {
        len = 4;
        d = (static_cast<std::uint32_t>(c & 0x07) << 18) | (bits(i + 1) << 12) | (bits(i + 2) << 6) |
            bits(i + 3);
      }
    } else {
      s.put(c);
    }
    if (len != 0) {
      char digits[8];
      int nd = 0;
      for (std::uint32_t v = d; nd == 0 || v != 0; v >>= 4) digits[nd++] = "0123456789abcdef"[v & 15];
      s.put("%u");
      for (int z = nd; z < 4; ++z) s.put('0');
      while (nd > 0) s.put(static_cast<unsigned char>(digits[--nd]));
      const bool surrogate = d >= 0xd800 && d <= 0xdfff;
      const bool overlong = (len == 2 && d < 0x80) || (len == 3 && d < 0x800) || (len == 4 && d < 0x10000);
      if (surrogate || overlong) s.put(c);
    }
    i += len != 0 ? len : 1;
  }
  s.finish();
}

// ModSecurity's path normalisation (v2's normalize_path_inplace, unchanged in 3.0.9), run in place on a
// copy exactly as it is written there, because its corner cases are the algorithm: "." and ".."
// segments are resolved (never above the root: a relative path keeps its leading ".."s), runs of '/'
// collapse, a trailing '/' survives only if the input had one, "." alone becomes "". With `windows`,
// '\' counts as '/' - converted one or two bytes ahead of the scan, so a backslash ending a run of three
// or more separators is copied unconverted ("a/\\\\b" keeps one '\').
void normalize_path(std::string_view in, std::string& out, bool windows) {
  out.assign(in);
  if (in.empty()) return;
  char* const buf = out.data();
  const auto sep = [&](char c) { return c == '/' || (windows && c == '\\'); };
  const std::ptrdiff_t end = static_cast<std::ptrdiff_t>(in.size()) - 1;
  const bool relative = !sep(buf[0]);
  const bool trailing = sep(buf[end]);
  std::ptrdiff_t src = 0;
  std::ptrdiff_t dst = 0;
  bool hit_root = false;
  bool done = false;
  while (!done && src <= end && dst <= end) {
    if (windows) {
      if (buf[src] == '\\') buf[src] = '/';
      if (src < end && buf[src + 1] == '\\') buf[src + 1] = '/';
    }
    bool copy = true;  // false: the byte at src is consumed without being written
    if (src == end) done = true;
    if ((done || buf[src + 1] == '/') && !(src != end && buf[src] == '/')) {
      // src ends a path segment: resolve "." and "..".
      if (buf[src] == '.') {
        if (dst > 0 && buf[dst - 1] == '.') {
          if (relative && (hit_root || dst <= 2)) {
            hit_root = true;  // nothing to go back to: keep the ".."
          } else {
            dst -= 3;  // drop "x/.." back to the previous '/'
            while (dst > 0 && buf[dst] != '/') --dst;
            if (dst <= 0) {
              hit_root = true;
              dst = (!relative && src == end) ? 1 : 0;
            }
            if (done) break;
            ++src;
          }
        } else if (dst == 0) {
          if (done) break;
          ++src;
        } else if (buf[dst - 1] == '/') {
          if (done) break;
          --dst;
          ++src;
        }
      } else if (dst > 0) {
        hit_root = false;
      }
    }
    if (buf[src] == '/') {
      while (src < end && sep(buf[src + 1])) ++src;
      if (relative && dst == 0) {
        ++src;
        copy = false;
      }
    }
    if (copy) buf[dst++] = buf[src++];
  }
  if (!trailing && dst > 0 && buf[dst - 1] == '/') --dst;
  out.resize(static_cast<std::size_t>(dst));
}

}  // namespace vigil::crs::detail
