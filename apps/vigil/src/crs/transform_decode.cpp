// The escape decoders: urlDecode(Uni), htmlEntityDecode, jsDecode, cssDecode, escapeSeqDecode,
// hexDecode, sqlHexDecode. Semantics of libmodsecurity 3.0.9 (see transform.hpp); every decoder leaves
// an escape it does not recognise as it is, except where noted.
#include <cstddef>
#include <cstdint>

#include "crs/transform_detail.hpp"

namespace vigil::crs::detail {
namespace {

// strtol(digits, NULL, base) of a run of valid digits, cast to unsigned char: strtol saturates at
// LONG_MAX, whose low byte is 0xFF.
unsigned char strtol_byte(std::string_view digits, unsigned base) {
  constexpr std::uint64_t long_max = 0x7fffffffffffffffULL;
  std::uint64_t v = 0;
  for (unsigned char c : digits) {
    const unsigned d = is_digit(c) ? c - '0' : (c | 0x20) - 'a' + 10;
    if (v > (long_max - d) / base) return 0xff;
    v = v * base + d;
  }
  return static_cast<unsigned char>(v);
}

// Up to three octal digits starting at in[i] (which is one): "\OOO" in jsDecode and escapeSeqDecode.
std::size_t octal_run(std::string_view in, std::size_t i) {
  std::size_t j = 1;
  while (j < 3 && is_odigit(at(in, i + j))) ++j;
  return j;
}

// The byte of a full-width-aware \uHHHH / %uHHHH: the low byte, plus 0x20 for U+FF01..U+FF5E (which
// are ASCII 0x21..0x7E shifted). `h` points at the four hex digits.
unsigned char unicode_low_byte(const unsigned char* h) {
  unsigned char c = hex_byte(h[2], h[3]);
  if (c > 0x00 && c < 0x5f && is_f(h[0]) && is_f(h[1])) c = static_cast<unsigned char>(c + 0x20);
  return c;
}

bool four_hex(std::string_view in, std::size_t i) {
  return is_hex(at(in, i)) && is_hex(at(in, i + 1)) && is_hex(at(in, i + 2)) && is_hex(at(in, i + 3));
}

const unsigned char* bytes(std::string_view in, std::size_t i) {
  return reinterpret_cast<const unsigned char*>(in.data()) + i;
}

}  // namespace

// %HH decodes when both digits are hex; '+' is a space; a bad or truncated escape stays. With `unicode`,
// %uHHHH (either case of 'u') decodes to unicode_low_byte - no unicode map is configured - and a bad
// %u keeps both the '%' and the 'u'.
void url_decode(std::string_view in, std::string& out, bool unicode) {
  sink s(out, in.size());
  const std::size_t n = in.size();
  std::size_t i = 0;
  while (i < n) {
    const unsigned char c = static_cast<unsigned char>(in[i]);
    if (c == '+') {
      s.put(' ');
      ++i;
    } else if (c != '%') {
      s.put(c);
      ++i;
    } else if (unicode && (at(in, i + 1) == 'u' || at(in, i + 1) == 'U')) {
      if (i + 5 < n && four_hex(in, i + 2)) {
        s.put(unicode_low_byte(bytes(in, i + 2)));
        i += 6;
      } else {
        s.put('%');
        s.put(static_cast<unsigned char>(in[i + 1]));
        i += 2;
      }
    } else if (i + 2 < n && is_hex(at(in, i + 1)) && is_hex(at(in, i + 2))) {
      s.put(hex_byte(at(in, i + 1), at(in, i + 2)));
      i += 3;
    } else {
      s.put('%');
      ++i;
    }
  }
  s.finish();
}

// &#DDD, &#xHHH (any number of digits; the byte is strtol's result cast to unsigned char) and the five
// names quot, amp, lt, gt, nbsp (case-insensitive; nbsp is 0xA0), each with an optional ';'. A name is
// the longest alphanumeric run, so "&ampx;" is not "&amp" followed by "x;".
void html_entity_decode(std::string_view in, std::string& out) {
  sink s(out, in.size());
  const std::size_t n = in.size();
  std::size_t i = 0;
  const auto finish_entity = [&](std::size_t j, unsigned char value) {
    s.put(value);
    i = (j < n && in[j] == ';') ? j + 1 : j;
  };
  while (i < n) {
    std::size_t copy = 1;  // bytes copied verbatim when no entity decodes at i
    if (in[i] == '&' && i + 1 < n) {
      std::size_t j = i + 1;
      if (in[j] == '#') {
        copy = 2;
        if (j + 1 < n) {
          ++j;
          const bool hex = in[j] == 'x' || in[j] == 'X';
          if (hex) copy = 3;
          if (!hex || j + 1 < n) {
            if (hex) ++j;
            const std::size_t k = j;
            while (j < n && (hex ? is_hex(at(in, j)) : is_digit(at(in, j)))) ++j;
            if (j > k) {
              finish_entity(j, strtol_byte(in.substr(k, j - k), hex ? 16 : 10));
              continue;
            }
          }
        }
      } else {
        const std::size_t k = j;
        while (j < n && is_alnum(at(in, j))) ++j;
        if (j > k) {
          const std::string_view name = in.substr(k, j - k);
          int value = -1;
          const auto is = [&](std::string_view want) {
            if (name.size() != want.size()) return false;
            for (std::size_t z = 0; z < want.size(); ++z) {
              // name is alphanumeric, so OR-ing 0x20 lowercases letters and leaves digits alone
              if ((static_cast<unsigned char>(name[z]) | 0x20) != want[z]) return false;
            }
            return true;
          };
          if (is("quot")) value = '"';
          else if (is("amp")) value = '&';
          else if (is("lt")) value = '<';
          else if (is("gt")) value = '>';
          else if (is("nbsp")) value = 0xa0;
          if (value >= 0) {
            finish_entity(j, static_cast<unsigned char>(value));
            continue;
          }
          copy = j - k + 1;
        }
      }
    }
    for (std::size_t z = 0; z < copy; ++z) s.put(static_cast<unsigned char>(in[i++]));
  }
  s.finish();
}

// \uHHHH (lowercase 'u'; unicode_low_byte), \xHH (lowercase 'x'), \OOO (up to three octal digits, two
// when the first is above '3'), \a \b \f \n \r \t \v; any other escaped byte stands for itself. A
// trailing backslash stays.
void js_decode(std::string_view in, std::string& out) {
  sink s(out, in.size());
  const std::size_t n = in.size();
  std::size_t i = 0;
  while (i < n) {
    if (in[i] != '\\') {
      s.put(static_cast<unsigned char>(in[i++]));
      continue;
    }
    const unsigned char e = at(in, i + 1);
    if (i + 5 < n && e == 'u' && four_hex(in, i + 2)) {
      s.put(unicode_low_byte(bytes(in, i + 2)));
      i += 6;
    } else if (i + 3 < n && e == 'x' && is_hex(at(in, i + 2)) && is_hex(at(in, i + 3))) {
      s.put(hex_byte(at(in, i + 2), at(in, i + 3)));
      i += 4;
    } else if (i + 1 < n && is_odigit(e)) {
      std::size_t j = octal_run(in, i + 1);
      if (j == 3 && e > '3') j = 2;
      s.put(strtol_byte(in.substr(i + 1, j), 8));
      i += 1 + j;
    } else if (i + 1 < n) {
      unsigned char c = e;
      switch (e) {
        case 'a': c = '\a'; break;
        case 'b': c = '\b'; break;
        case 'f': c = '\f'; break;
        case 'n': c = '\n'; break;
        case 'r': c = '\r'; break;
        case 't': c = '\t'; break;
        case 'v': c = '\v'; break;
        default: break;
      }
      s.put(c);
      i += 2;
    } else {
      s.put('\\');
      ++i;
    }
  }
  s.finish();
}

// CSS 2 escapes: a backslash and 1-6 hex digits give one byte (the last two digits; with 4 digits, or 5-6
// digits led by zeros, the full-width range FFxx is mapped as in unicode_low_byte), one white-space byte
// after them is eaten; backslash-newline vanishes; a backslash before anything else just disappears, as
// does a trailing one. Quirk: 3.0.9 returns the result only up to its first NUL byte.
void css_decode(std::string_view in, std::string& out) {
  sink s(out, in.size());
  const std::size_t n = in.size();
  std::size_t i = 0;
  while (i < n) {
    if (in[i] != '\\') {
      s.put(static_cast<unsigned char>(in[i++]));
      continue;
    }
    ++i;  // the backslash itself is never kept
    if (i >= n) break;
    std::size_t j = 0;
    while (j < 6 && i + j < n && is_hex(at(in, i + j))) ++j;
    if (j == 0) {
      if (in[i] != '\n') s.put(static_cast<unsigned char>(in[i]));
      ++i;
      continue;
    }
    const unsigned char* h = bytes(in, i);
    unsigned char c = j == 1 ? hex_nibble(h[0]) : hex_byte(h[j - 2], h[j - 1]);
    const bool full_width_check = j == 4 || (j == 5 && h[0] == '0') || (j == 6 && h[0] == '0' && h[1] == '0');
    if (full_width_check && c > 0x00 && c < 0x5f && is_f(h[j - 3]) && is_f(h[j - 4])) {
      c = static_cast<unsigned char>(c + 0x20);
    }
    s.put(c);
    if (i + j < n && is_space(at(in, i + j))) ++j;
    i += j;
  }
  s.finish();
  const std::size_t nul = out.find('\0');
  if (nul != std::string::npos) out.resize(nul);
}

// ANSI C escapes: \a \b \f \n \r \t \v \\ \? \' \", \xHH or \XHH (exactly two hex digits), \O to \OOO
// (the value's low byte: \777 is 0xFF). Quirk: an unrecognised escape loses its backslash ("\q" -> "q",
// "\x4" -> "x4"); a trailing backslash stays.
void escape_seq_decode(std::string_view in, std::string& out) {
  sink s(out, in.size());
  const std::size_t n = in.size();
  std::size_t i = 0;
  while (i < n) {
    if (in[i] != '\\' || i + 1 >= n) {
      s.put(static_cast<unsigned char>(in[i++]));
      continue;
    }
    const unsigned char e = static_cast<unsigned char>(in[i + 1]);
    int c = -1;
    switch (e) {
      case 'a': c = '\a'; break;
      case 'b': c = '\b'; break;
      case 'f': c = '\f'; break;
      case 'n': c = '\n'; break;
      case 'r': c = '\r'; break;
      case 't': c = '\t'; break;
      case 'v': c = '\v'; break;
      case '\\': c = '\\'; break;
      case '?': c = '?'; break;
      case '\'': c = '\''; break;
      case '"': c = '"'; break;
      default: break;
    }
    if (c != -1) {
      i += 2;
    } else if (e == 'x' || e == 'X') {
      if (i + 3 < n && is_hex(at(in, i + 2)) && is_hex(at(in, i + 3))) {
        c = hex_byte(at(in, i + 2), at(in, i + 3));
        i += 4;
      }
    } else if (is_odigit(e)) {
      const std::size_t j = octal_run(in, i + 1);
      unsigned v = 0;
      for (std::size_t z = 0; z < j; ++z) v = v * 8 + (static_cast<unsigned char>(in[i + 1 + z]) - '0');
      c = static_cast<int>(v & 0xff);
      i += 1 + j;
    }
    if (c == -1) {
      s.put(e);
      i += 2;
    } else {
      s.put(static_cast<unsigned char>(c));
    }
  }
  s.finish();
}

// Pairs of bytes through x2c with no validation ("zz" -> 'S'); an odd last byte is dropped.
void hex_decode(std::string_view in, std::string& out) {
  sink s(out, in.size() / 2);
  for (std::size_t i = 0; i + 2 <= in.size(); i += 2) s.put(hex_byte(at(in, i), at(in, i + 1)));
  s.finish();
}

// 0xHH... runs (either case of 'x', at least one hex pair) decode to bytes; other bytes are copied.
// 3.0.9's loop stops before the input's last byte unless a hex run reaches it, so "ab" -> "a" and
// "a" -> ""; it also stops at an input NUL, and the result is cut at its first NUL (0x00 decodes to one).
void sql_hex_decode(std::string_view in, std::string& out) {
  sink s(out, in.size());
  const std::size_t n = in.size();
  std::size_t pos = 0;
  while (n > 0 && pos + 1 < n && at(in, pos) != 0) {
    // The bytes at pos, pos+1, pos+2 may name a run; the loop's step then copies the byte after it.
    if (at(in, pos) == '0' && (at(in, pos + 1) | 0x20) == 'x' && is_hex(at(in, pos + 2)) &&
        is_hex(at(in, pos + 3))) {
      pos += 2;
      while (is_hex(at(in, pos)) && is_hex(at(in, pos + 1))) {
        s.put(hex_byte(at(in, pos), at(in, pos + 1)));
        pos += 2;
      }
    }
    s.put(at(in, pos));  // may be the terminating NUL when the run ends the input
    ++pos;
  }
  s.finish();
  const std::size_t nul = out.find('\0');
  if (nul != std::string::npos) out.resize(nul);
}

}  // namespace vigil::crs::detail
