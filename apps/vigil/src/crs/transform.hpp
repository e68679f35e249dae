#pragma once
// The SecLang transformation functions (`t:urlDecodeUni`, `t:lowercase`, ...) that the OWASP Core Rule
// Set applies to a variable before its operator runs. Every function reproduces libmodsecurity 3.0.9 byte
// for byte, quirks included (tests/vigil/crs_transform_test.cpp compares each one with libmodsecurity
// itself); where 3.0.9 differs from ModSecurity's documentation or from v2, 3.0.9 wins. Among the quirks
// a rule engine must know:
//  - sqlHexDecode drops the input's last byte unless a 0x.. run ends exactly at it; cssDecode, sqlHexDecode
//    and base64Decode stop at the first NUL byte, utf8toUnicode deletes NUL bytes;
//  - urlDecodeUni maps %uHHHH to its low byte (+0x20 for full-width %uFF01-%uFF5E): no unicode map is
//    configured (SecUnicodeMapFile), as in the CRS setup vigil replays;
//  - base64Decode yields "" for any input mbedtls rejects; base64DecodeExt yields "" when the data ends
//    on a lone sextet followed by '=' (or by '9', whose value 61 is the code of '=');
//  - sha1 and md5 give the raw binary digest; length gives the decimal byte count as text.
// Identity on pure [A-Za-z0-9]: every transformation except lowercase, uppercase, cmdLine (lowercases),
// hexDecode, hexEncode, base64Decode(Ext), base64Encode, sqlHexDecode, length, sha1 and md5.
//
// Thread-safety: all functions are pure; concurrent calls with distinct `out` strings are safe.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vigil::crs {

enum class transform : std::uint8_t {
  none, url_decode, url_decode_uni, html_entity_decode, js_decode, css_decode, lowercase, uppercase,
  compress_whitespace, remove_whitespace, remove_nulls, replace_nulls, replace_comments, remove_comments,
  remove_comments_char, cmd_line, normalize_path, normalize_path_win, utf8_to_unicode, base64_decode,
  base64_decode_ext, hex_decode, hex_encode, length, sha1, md5, trim, trim_left, trim_right,
  escape_seq_decode, sql_hex_decode, url_encode, base64_encode
};

// SecLang name ("urlDecodeUni", "normalisePath" and "normalizePath" both, case-insensitive as ModSecurity
// accepts them) -> transform; nullopt when unknown.
std::optional<transform> transform_from_name(std::string_view name);
std::string_view transform_name(transform t);  // canonical SecLang spelling

// Applies t to `in`, writing the result to `out` (out is cleared first; in and out never alias).
// Returns true when the result differs from the input (lets callers skip work), false when identical.
bool apply(transform t, std::string_view in, std::string& out);
// apply() for callers that go on with `in` when nothing changed (the evaluator, the prefilter): `out`
// is written only when the result differs (true), which saves a copy per step that changes nothing.
bool apply_if_changed(transform t, std::string_view in, std::string& out);

}  // namespace vigil::crs
