#pragma once
// Internals shared by the transformation families (transform.cpp dispatches, transform_text.cpp,
// transform_decode.cpp and transform_codec.cpp implement). Each family function writes its complete
// result to `out` (cleared first); apply() decides whether anything changed.
#include <cstddef>
#include <string>
#include <string_view>

namespace vigil::crs::detail {

// libmodsecurity calls <ctype.h> in the "C" locale: only these six bytes are white space, and bytes
// >= 0x80 (0xA0 included) never are.
constexpr bool is_space(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
constexpr bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
constexpr bool is_odigit(unsigned char c) { return c >= '0' && c <= '7'; }
constexpr bool is_hex(unsigned char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
constexpr bool is_alnum(unsigned char c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
constexpr bool is_f(unsigned char c) { return c == 'f' || c == 'F'; }

// ModSecurity's xsingle2c/x2c: plain arithmetic in unsigned char, applied to whatever bytes they are
// given. The decoders check for hex digits first; hexDecode does not, so "zz" decodes to 'S'.
constexpr unsigned char hex_nibble(unsigned char c) {
  return static_cast<unsigned char>(c >= 'A' ? ((c & 0xdf) - 'A') + 10 : c - '0');
}
constexpr unsigned char hex_byte(unsigned char hi, unsigned char lo) {
  return static_cast<unsigned char>(hex_nibble(hi) * 16 + hex_nibble(lo));
}

// Writes into `out` sized to an upper bound of the result (no allocation when the capacity suffices),
// then trims it to what was written.
class sink {
 public:
  sink(std::string& out, std::size_t bound) : out_(out) {
    out_.resize(bound);
    begin_ = out_.data();
    cur_ = begin_;
  }
  void put(unsigned char c) { *cur_++ = static_cast<char>(c); }
  void put(std::string_view s) {
    for (char c : s) *cur_++ = c;
  }
  void pop() { --cur_; }  // precondition: size() > 0
  std::size_t size() const { return static_cast<std::size_t>(cur_ - begin_); }
  void finish() { out_.resize(size()); }

 private:
  std::string& out_;
  char* begin_;
  char* cur_;
};

// Byte i of `in`, or 0 past its end: libmodsecurity works on NUL-terminated copies and some decoders
// look one byte beyond the data.
inline unsigned char at(std::string_view in, std::size_t i) {
  return i < in.size() ? static_cast<unsigned char>(in[i]) : 0;
}

// transform_text.cpp: case, white space, NULs, comments, cmdLine, trim, encoders, length, digests.
void lowercase(std::string_view in, std::string& out);
void uppercase(std::string_view in, std::string& out);
void compress_whitespace(std::string_view in, std::string& out);
void remove_whitespace(std::string_view in, std::string& out);
void remove_nulls(std::string_view in, std::string& out);
void replace_nulls(std::string_view in, std::string& out);
void replace_comments(std::string_view in, std::string& out);
void remove_comments(std::string_view in, std::string& out);
void remove_comments_char(std::string_view in, std::string& out);
void cmd_line(std::string_view in, std::string& out);
void trim(std::string_view in, std::string& out, bool left, bool right);
void hex_encode(std::string_view in, std::string& out);
void url_encode(std::string_view in, std::string& out);
void length(std::string_view in, std::string& out);
void sha1(std::string_view in, std::string& out);
void md5(std::string_view in, std::string& out);

// transform_decode.cpp: the escape decoders.
void url_decode(std::string_view in, std::string& out, bool unicode);
void html_entity_decode(std::string_view in, std::string& out);
void js_decode(std::string_view in, std::string& out);
void css_decode(std::string_view in, std::string& out);
void escape_seq_decode(std::string_view in, std::string& out);
void hex_decode(std::string_view in, std::string& out);
void sql_hex_decode(std::string_view in, std::string& out);

// transform_codec.cpp: base64, utf8toUnicode, path normalisation.
void base64_decode(std::string_view in, std::string& out);
void base64_decode_ext(std::string_view in, std::string& out);
void base64_encode(std::string_view in, std::string& out);
void utf8_to_unicode(std::string_view in, std::string& out);
void normalize_path(std::string_view in, std::string& out, bool windows);

}  // namespace vigil::crs::detail
