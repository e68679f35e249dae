// The byte-level SecLang transformations: case, white space, NULs, comments, cmdLine, trims, the
// encoders, length and the digests. Semantics of libmodsecurity 3.0.9; see transform.hpp.
#include <openssl/evp.h>

#include <charconv>
#include <cstddef>

#include "crs/transform_detail.hpp"

namespace vigil::crs::detail {
namespace {

constexpr char hex_digits[] = "0123456789abcdef";

bool starts_with_at(std::string_view in, std::size_t i, std::string_view what) {
  return in.size() - i >= what.size() && in.compare(i, what.size(), what) == 0;
}

void digest(std::string_view in, std::string& out, const EVP_MD* md) {
  unsigned char buf[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(in.data(), in.size(), buf, &len, md, nullptr) != 1) len = 0;
  out.assign(reinterpret_cast<const char*>(buf), len);
}

}  // namespace

// ASCII only: libmodsecurity maps with the "C" locale.
void lowercase(std::string_view in, std::string& out) {
  sink s(out, in.size());
  for (unsigned char c : in) s.put((c >= 'A' && c <= 'Z') ? static_cast<unsigned char>(c + 32) : c);
  s.finish();
}

void uppercase(std::string_view in, std::string& out) {
  sink s(out, in.size());
  for (unsigned char c : in) s.put((c >= 'a' && c <= 'z') ? static_cast<unsigned char>(c - 32) : c);
  s.finish();
}

// Each run of white space becomes one ' '. 0xA0 (NBSP) is not white space here, unlike in removeWhitespace.
void compress_whitespace(std::string_view in, std::string& out) {
  sink s(out, in.size());
  bool in_space = false;
  for (unsigned char c : in) {
    if (is_space(c)) {
      if (!in_space) s.put(' ');
      in_space = true;
    } else {
      s.put(c);
      in_space = false;
    }
  }
  s.finish();
}

// Deletes white space and 0xA0 (NBSP).
void remove_whitespace(std::string_view in, std::string& out) {
  sink s(out, in.size());
  for (unsigned char c : in) {
    if (!is_space(c) && c != 0xa0) s.put(c);
  }
  s.finish();
}

void remove_nulls(std::string_view in, std::string& out) {
  sink s(out, in.size());
  for (unsigned char c : in) {
    if (c != 0) s.put(c);
  }
  s.finish();
}

void replace_nulls(std::string_view in, std::string& out) {
  sink s(out, in.size());
  for (unsigned char c : in) s.put(c == 0 ? ' ' : c);
  s.finish();
}

// Every /* ... */ becomes one ' ' (an unterminated one too). Nothing else is a comment here.
void replace_comments(std::string_view in, std::string& out) {
  sink s(out, in.size());
  bool in_comment = false;
  std::size_t i = 0;
  while (i < in.size()) {
    if (!in_comment) {
      if (starts_with_at(in, i, "/*")) {
        in_comment = true;
        i += 2;
      } else {
        s.put(static_cast<unsigned char>(in[i++]));
      }
    } else if (starts_with_at(in, i, "*/")) {
      in_comment = false;
      i += 2;
      s.put(' ');
    } else {
      ++i;
    }
  }
  if (in_comment) s.put(' ');
  s.finish();
}

// /* ... */ and <!-- ... --> are removed; "--" or '#' outside a comment ends the data. Quirk: the byte
// right after a comment's end is copied without being examined (so "/**/#" keeps the '#'), and when the
// comment ends the input that byte is the C string's terminator, a NUL that lands in the result.
void remove_comments(std::string_view in, std::string& out) {
  sink s(out, in.size());
  const std::size_t n = in.size();
  bool in_comment = false;
  std::size_t i = 0;
  while (i < n) {
    if (!in_comment) {
      if (starts_with_at(in, i, "/*")) {
        in_comment = true;
        i += 2;
      } else if (starts_with_at(in, i, "<!--")) {
        in_comment = true;
        i += 4;
      } else if (starts_with_at(in, i, "--") || in[i] == '#') {
        break;
      } else {
        s.put(static_cast<unsigned char>(in[i++]));
      }
    } else {
      std::size_t end = 0;
      if (starts_with_at(in, i, "*/")) {
        end = 2;
      } else if (starts_with_at(in, i, "-->")) {
        end = 3;
      }
      if (end == 0) {
        ++i;
        continue;
      }
      in_comment = false;
      i += end;
      s.put(at(in, i));
      ++i;
    }
  }
  if (in_comment) s.put(' ');
  s.finish();
}

// Deletes the comment markers themselves ("/*", "*/", "<!--", "-->", "--", "#"), keeping what is between
// them. 3.0.9 erases in place and re-examines the same position, which is the same as scanning the rest
// of the input: bytes already kept are never looked at again.
void remove_comments_char(std::string_view in, std::string& out) {
  sink s(out, in.size());
  std::size_t i = 0;
  while (i < in.size()) {
    if (starts_with_at(in, i, "/*") || starts_with_at(in, i, "*/")) {
      i += 2;
    } else if (starts_with_at(in, i, "<!--")) {
      i += 4;
    } else if (starts_with_at(in, i, "-->")) {
      i += 3;
    } else if (starts_with_at(in, i, "--")) {
      i += 2;
    } else if (in[i] == '#') {
      i += 1;
    } else {
      s.put(static_cast<unsigned char>(in[i++]));
    }
  }
  s.finish();
}

// Deletes \ " ' ^; turns each run of ' ' , ; \t \r \n into one ' ' (\v and \f are not in the set);
// drops that space before '/' or '('; lowercases ASCII. A deleted byte does not end a run of spaces.
void cmd_line(std::string_view in, std::string& out) {
  sink s(out, in.size());
  bool space = false;  // the last byte written is a space from a separator run
  for (unsigned char c : in) {
    switch (c) {
      case '"': case '\'': case '\\': case '^':
        break;
      case ' ': case ',': case ';': case '\t': case '\r': case '\n':
        if (!space) s.put(' ');
        space = true;
        break;
      case '/': case '(':
        if (space) s.pop();
        s.put(c);
        space = false;
        break;
      default:
        s.put((c >= 'A' && c <= 'Z') ? static_cast<unsigned char>(c + 32) : c);
        space = false;
        break;
    }
  }
  s.finish();
}

void trim(std::string_view in, std::string& out, bool left, bool right) {
  std::size_t b = 0;
  std::size_t e = in.size();
  if (left) {
    while (b < e && is_space(static_cast<unsigned char>(in[b]))) ++b;
  }
  if (right) {
    while (e > b && is_space(static_cast<unsigned char>(in[e - 1]))) --e;
  }
  out.assign(in.substr(b, e - b));
}

void hex_encode(std::string_view in, std::string& out) {
  sink s(out, in.size() * 2);
  for (unsigned char c : in) {
    s.put(static_cast<unsigned char>(hex_digits[c >> 4]));
    s.put(static_cast<unsigned char>(hex_digits[c & 15]));
  }
  s.finish();
}

// Keeps '*' and [0-9A-Za-z], ' ' becomes '+', everything else %xx in lowercase hex.
void url_encode(std::string_view in, std::string& out) {
  sink s(out, in.size() * 3);
  for (unsigned char c : in) {
    if (c == ' ') {
      s.put('+');
    } else if (c == '*' || is_alnum(c)) {
      s.put(c);
    } else {
      s.put('%');
      s.put(static_cast<unsigned char>(hex_digits[c >> 4]));
      s.put(static_cast<unsigned char>(hex_digits[c & 15]));
    }
  }
  s.finish();
}

void length(std::string_view in, std::string& out) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, in.size());
  (void)ec;
  out.assign(buf, end);
}

void sha1(std::string_view in, std::string& out) { digest(in, out, EVP_sha1()); }
void md5(std::string_view in, std::string& out) { digest(in, out, EVP_md5()); }

}  // namespace vigil::crs::detail
