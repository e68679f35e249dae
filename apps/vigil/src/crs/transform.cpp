// Names and dispatch of the SecLang transformations. apply() first scans the input for a byte that could
// make the transformation change it (a "trigger"); without one the result is a plain copy and apply()
// returns false at once. Every trigger set below is a proof obligation: the transformation must be the
// identity on every input free of its triggers (the differential test checks it on thousands of inputs).
#include "crs/transform.hpp"

#include <array>
#include <cstddef>

#include "crs/transform_detail.hpp"

namespace vigil::crs {
namespace {

struct name_entry {
  std::string_view name;
  transform t;
};

// Canonical spellings first (transform_name indexes this by enum value), then the aliases.
constexpr std::array<name_entry, 35> names{{
    {"none", transform::none},
    {"urlDecode", transform::url_decode},
    {"urlDecodeUni", transform::url_decode_uni},
    {"htmlEntityDecode", transform::html_entity_decode},
    {"jsDecode", transform::js_decode},
    {"cssDecode", transform::css_decode},
    {"lowercase", transform::lowercase},
    {"uppercase", transform::uppercase},
    {"compressWhitespace", transform::compress_whitespace},
    {"removeWhitespace", transform::remove_whitespace},
    {"removeNulls", transform::remove_nulls},
    {"replaceNulls", transform::replace_nulls},
    {"replaceComments", transform::replace_comments},
    {"removeComments", transform::remove_comments},
    {"removeCommentsChar", transform::remove_comments_char},
    {"cmdLine", transform::cmd_line},
    {"normalisePath", transform::normalize_path},
    {"normalisePathWin", transform::normalize_path_win},
    {"utf8toUnicode", transform::utf8_to_unicode},
    {"base64Decode", transform::base64_decode},
    {"base64DecodeExt", transform::base64_decode_ext},
    {"hexDecode", transform::hex_decode},
    {"hexEncode", transform::hex_encode},
    {"length", transform::length},
    {"sha1", transform::sha1},
    {"md5", transform::md5},
    {"trim", transform::trim},
    {"trimLeft", transform::trim_left},
    {"trimRight", transform::trim_right},
    {"escapeSeqDecode", transform::escape_seq_decode},
    {"sqlHexDecode", transform::sql_hex_decode},
    {"urlEncode", transform::url_encode},
    {"base64Encode", transform::base64_encode},
    {"normalizePath", transform::normalize_path},
    {"normalizePathWin", transform::normalize_path_win},
}};
constexpr std::size_t canonical_count = 33;

constexpr bool canonical_order() {
  for (std::size_t i = 0; i < canonical_count; ++i) {
    if (static_cast<std::size_t>(names[i].t) != i) return false;
  }
  return true;
}
static_assert(canonical_order(), "names[] must list the canonical spellings in enum order");

constexpr unsigned char ascii_lower(unsigned char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<unsigned char>(c + 32) : c;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(static_cast<unsigned char>(a[i])) != ascii_lower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

using byte_set = std::array<bool, 256>;

constexpr byte_set bytes_of(std::string_view chars, bool upper = false, bool lower = false,
                            bool space = false, bool high = false) {
  byte_set s{};
  for (char c : chars) s[static_cast<unsigned char>(c)] = true;
  for (unsigned c = 0; c < 256; ++c) {
    if (upper && c >= 'A' && c <= 'Z') s[c] = true;
    if (lower && c >= 'a' && c <= 'z') s[c] = true;
    if (space && detail::is_space(static_cast<unsigned char>(c))) s[c] = true;
    if (high && c >= 0x80) s[c] = true;
  }
  return s;
}

using namespace std::string_view_literals;

constexpr byte_set url_triggers = bytes_of("%+");
constexpr byte_set html_triggers = bytes_of("&");
constexpr byte_set backslash_trigger = bytes_of("\\");
constexpr byte_set css_triggers = bytes_of("\\\0"sv);  // NUL: the result is cut at the first NUL
constexpr byte_set upper_triggers = bytes_of("", true);
constexpr byte_set lower_triggers = bytes_of("", false, true);
constexpr byte_set space_triggers = bytes_of("", false, false, true);
constexpr byte_set space_nbsp_triggers = bytes_of("\xa0", false, false, true);
constexpr byte_set nul_trigger = bytes_of("\0"sv);
constexpr byte_set star_trigger = bytes_of("*");            // "/*"
constexpr byte_set comment_triggers = bytes_of("*-#");      // "/*" "*/" "<!--" "-->" "--" "#"
constexpr byte_set cmd_triggers = bytes_of("\"'\\^,;", true, false, true);
constexpr byte_set path_triggers = bytes_of("/.");
constexpr byte_set win_path_triggers = bytes_of("/.\\");
constexpr byte_set utf8_triggers = bytes_of("\0"sv, false, false, false, true);

bool contains_any(std::string_view in, const byte_set& set) {
  for (char c : in) {
    if (set[static_cast<unsigned char>(c)]) return true;
  }
  return false;
}

// The trigger set of t, or nullptr when t has none (encoders, digests, hexDecode, base64 and sqlHexDecode
// always run; apply() checks the trims at the input's ends).
const byte_set* triggers(transform t) {
  switch (t) {
    case transform::url_decode:
    case transform::url_decode_uni: return &url_triggers;
    case transform::html_entity_decode: return &html_triggers;
    case transform::js_decode:
    case transform::escape_seq_decode: return &backslash_trigger;
    case transform::css_decode: return &css_triggers;
    case transform::lowercase: return &upper_triggers;
    case transform::uppercase: return &lower_triggers;
    case transform::compress_whitespace: return &space_triggers;
    case transform::remove_whitespace: return &space_nbsp_triggers;
    case transform::remove_nulls:
    case transform::replace_nulls: return &nul_trigger;
    case transform::replace_comments: return &star_trigger;
    case transform::remove_comments:
    case transform::remove_comments_char: return &comment_triggers;
    case transform::cmd_line: return &cmd_triggers;
    case transform::normalize_path: return &path_triggers;
    case transform::normalize_path_win: return &win_path_triggers;
    case transform::utf8_to_unicode: return &utf8_triggers;
    default: return nullptr;
  }
}

void run(transform t, std::string_view in, std::string& out) {
  using namespace detail;
  switch (t) {
    case transform::none: out.assign(in); return;
    case transform::url_decode: url_decode(in, out, false); return;
    case transform::url_decode_uni: url_decode(in, out, true); return;
    case transform::html_entity_decode: html_entity_decode(in, out); return;
    case transform::js_decode: js_decode(in, out); return;
    case transform::css_decode: css_decode(in, out); return;
    case transform::lowercase: lowercase(in, out); return;
    case transform::uppercase: uppercase(in, out); return;
    case transform::compress_whitespace: compress_whitespace(in, out); return;
    case transform::remove_whitespace: remove_whitespace(in, out); return;
    case transform::remove_nulls: remove_nulls(in, out); return;
    case transform::replace_nulls: replace_nulls(in, out); return;
    case transform::replace_comments: replace_comments(in, out); return;
    case transform::remove_comments: remove_comments(in, out); return;
    case transform::remove_comments_char: remove_comments_char(in, out); return;
    case transform::cmd_line: cmd_line(in, out); return;
    case transform::normalize_path: normalize_path(in, out, false); return;
    case transform::normalize_path_win: normalize_path(in, out, true); return;
    case transform::utf8_to_unicode: utf8_to_unicode(in, out); return;
    case transform::base64_decode: base64_decode(in, out); return;
    case transform::base64_decode_ext: base64_decode_ext(in, out); return;
    case transform::hex_decode: hex_decode(in, out); return;
    case transform::hex_encode: hex_encode(in, out); return;
    case transform::length: length(in, out); return;
    case transform::sha1: sha1(in, out); return;
    case transform::md5: md5(in, out); return;
    case transform::trim: trim(in, out, true, true); return;
    case transform::trim_left: trim(in, out, true, false); return;
    case transform::trim_right: trim(in, out, false, true); return;
    case transform::escape_seq_decode: escape_seq_decode(in, out); return;
    case transform::sql_hex_decode: sql_hex_decode(in, out); return;
    case transform::url_encode: url_encode(in, out); return;
    case transform::base64_encode: base64_encode(in, out); return;
  }
  out.assign(in);  // unreachable for valid enum values
}

}  // namespace

std::optional<transform> transform_from_name(std::string_view name) {
  for (const auto& entry : names) {
    if (iequals(entry.name, name)) return entry.t;
  }
  return std::nullopt;
}

std::string_view transform_name(transform t) {
  const auto i = static_cast<std::size_t>(t);
  return i < canonical_count ? names[i].name : std::string_view{};
}

bool apply_if_changed(transform t, std::string_view in, std::string& out) {
  if (t == transform::none) return false;
  bool quiet = false;
  if (const byte_set* set = triggers(t)) {
    quiet = !contains_any(in, *set);
  } else if (t == transform::trim || t == transform::trim_left || t == transform::trim_right) {
    quiet = in.empty() || (!detail::is_space(static_cast<unsigned char>(in.front())) &&
                           !detail::is_space(static_cast<unsigned char>(in.back())));
  }
  if (quiet) return false;
  out.clear();
  run(t, in, out);
  return out != in;
}

bool apply(transform t, std::string_view in, std::string& out) {
  if (apply_if_changed(t, in, out)) return true;
  out.assign(in);
  return false;
}

}  // namespace vigil::crs
