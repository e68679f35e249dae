#pragma once
// Inputs for crs_transform_test.cpp: curated edge cases per SecLang transformation and the alphabets of
// its pseudo-random strings. Written with std::string literals so NUL bytes count.
#include <string>
#include <string_view>
#include <vector>

#include "crs/transform.hpp"

namespace vigil::testing {

using namespace std::string_literals;

// Edge cases every transformation is checked on.
inline std::vector<std::string> common_transform_cases() {
  return {""s, "a"s, "ab"s, "abc"s, "ABC"s, "0"s, "00"s, " "s, "  "s, "\t"s, "\0"s, "a\0b"s, "\0\0"s,
          "\xff"s, "\xa0"s, "\x80"s, "%"s, "%%"s, "+"s, "&"s, "\\"s, "\\\\"s, "/"s, "//"s, "."s, ".."s,
          "#"s, "--"s, "/*"s, "*/"s, "=="s, "x"s, "0x"s, "Hello World"s, "SELECT * FROM t"s,
          "<script>alert(1)</script>"s, "../../etc/passwd"s, "a\r\nb"s, " \t\n\v\f\r"s,
          "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"s};
}

inline std::vector<std::string> transform_cases(crs::transform t) {
  using crs::transform;
  switch (t) {
    case transform::url_decode:
    case transform::url_decode_uni:
      return {"%41"s, "%4"s, "%4g"s, "%g1"s, "%"s, "a%"s, "a%4"s, "%%41"s, "%41%42%43"s, "+a+"s, "%2B"s,
              "%u0041"s, "%U0041"s, "%uff21"s, "%uFF21"s, "%ufF5e"s, "%uFF5F"s, "%uFF00"s, "%uff01"s,
              "%u00e9"s, "%u12"s, "%u123"s, "%u123g"s, "%u"s, "%uu0041"s, "%u%41"s, "%ug041"s, "%00"s,
              "a%00b"s, "%ff"s, "%FF%fe"s, "%u1234"s, "%uabcd%u"s, "%%u0041"s, "%u0041+"s, "%+"s,
              "%u+041"s, "%U+FF21"s, "\0%41"s, "%\0" "41"s, "%u004"s, "%u0041a"s};
    case transform::html_entity_decode:
      return {"&lt;"s, "&LT;"s, "&lt"s, "&gt;&amp;&quot;&nbsp;"s, "&NbSp"s, "&ltx;"s, "&lt1"s, "&#65;"s,
              "&#65"s, "&#x41;"s, "&#X41"s, "&#x;"s, "&#x"s, "&#"s, "&#;"s, "&"s, "&;"s, "&&lt;"s,
              "&#x4g"s, "&#0;"s, "&#256;"s, "&#321;"s, "&#99999999999999999999;"s,
              "&#xffffffffffffffffff;"s, "&#x7fffffffffffffff;"s, "&#x8000000000000000"s,
              "&#9223372036854775807;"s, "&#9223372036854775808;"s, "&#x00000041;"s, "&foo;"s,
              "&amp;lt;"s, "a&b"s, "&#65&#66"s, "&#xA0;&#xa0"s, "&apos;"s, "&\xff;"s, "&#\0;"s,
              "&am\0p;"s, "&#x4\0"s};
    case transform::js_decode:
      return {"\\x41"s, "\\X41"s, "\\x4"s, "\\x4g"s, "\\u0041"s, "\\U0041"s, "\\uff21"s, "\\uFF5e"s,
              "\\uff5f"s, "\\uff00"s, "\\u004"s, "\\u00g1"s, "\\101"s, "\\1011"s, "\\401"s, "\\777"s,
              "\\377"s, "\\400"s, "\\0"s, "\\08"s, "\\8"s, "\\a\\b\\f\\n\\r\\t\\v"s, "\\'\\\"\\\\\\?"s,
              "\\"s, "a\\"s, "\\\\x41"s, "\\\0"s, "\\\xff"s, "\\12"s, "\\1"s, "\\u"s, "\\x"s};
    case transform::css_decode:
      return {"\\41"s, "\\41 b"s, "\\41  b"s, "\\4"s, "\\041"s, "\\0041"s, "\\00041"s, "\\000041"s,
              "\\0000041"s, "\\ff21"s, "\\FF21"s, "\\0ff21"s, "\\00ff21"s, "\\1ff21"s, "\\11ff21"s,
              "\\ff5f"s, "\\ff00"s, "\\0"s, "a\\0b"s, "\\00"s, "\\\n"s, "a\\\nb"s, "\\g"s, "\\"s,
              "a\\"s, "\\\\"s, "\\41\t"s, "\\41\v"s, "\\41\r\n"s, "a\0b"s, "\\\0"s, "\\\xff"s, "\\fg"s,
              "\\abcdefg"s};
    case transform::escape_seq_decode:
      return {"\\n"s, "\\a\\b\\f\\r\\t\\v"s, "\\\\"s, "\\?"s, "\\'"s, "\\\""s, "\\x41"s, "\\X41"s,
              "\\x4"s, "\\x4g"s, "\\xg1"s, "\\101"s, "\\1011"s, "\\777"s, "\\400"s, "\\8"s, "\\q"s,
              "\\"s, "a\\"s, "\\0"s, "\\08"s, "\\\0"s, "\\\xff"s, "\\u0041"s, "\\12"s, "\\x"s};
    case transform::hex_decode:
      return {"41"s, "414243"s, "4"s, "414"s, "zz"s, "4g"s, "g4"s, "  "s, "\0\0"s, "\xff\xff"s, "FFff"s,
              "0x41"s, "%41"s};
    case transform::sql_hex_decode:
      return {"0x41"s, "0x414243"s, "0X41"s, "0x4"s, "0x41z"s, "0x41zz"s, "a0x41"s, "0x"s, "0x0"s,
              "0xg1"s, "00x41"s, "0x0041"s, "0x41\0" "0x42"s, "x0x41"s, "0x4142434"s, "0x41 0x42"s,
              "0xx41"s, "0x410x42"s, "select 0x61646d696e"s, "ab"s, "a"s, "abc"s, "0"s, "0x00"s};
    case transform::base64_decode:
    case transform::base64_decode_ext:
      return {"QUJD"s, "QUJDRA"s, "QUJDRA=="s, "QUJDRA="s, "QUJDREU="s, "QQ=="s, "QQ="s, "QQ"s, "Q"s,
              "Q="s, "="s, "=="s, "==="s, "QUJD9"s, "QUJ9"s, "QU9"s, "Q9"s, "9"s, "QUJD\0QUJD"s,
              "QU JD"s, " QUJD"s, "QUJD "s, "QUJD \n"s, "QU\nJD"s, "QU\r\nJD"s, "QU\rJD"s, "QU=D"s,
              "QQ==QQ=="s, "QUJD-_"s, "QUJD+/"s, "!QUJD"s, "QUJD!"s, "Q!UJD"s, "\xffQUJD"s,
              "SGVsbG8gV29ybGQ="s, "SGVsbG8gV29ybGQ"s, "a===b"s, "QUJDRA==\n"s, "QUJDRA== "s,
              "QUJDRA=\n="s, "QQ=\0="s};
    case transform::utf8_to_unicode:
      return {"\xc3\xa9"s, "\xc3"s, "a\xc3"s, "\xc3z"s, "\xc0\x80"s, "\xc1\xbf"s, "\xe0\x80\x80"s,
              "\xe0\xa0\x80"s, "\xed\xa0\x80"s, "\xed\xbf\xbf"s, "\xef\xbc\xa1"s, "\xef\xbf\xbf"s,
              "\xf0\x90\x80\x80"s, "\xf0\x80\x80\x80"s, "\xf4\x8f\xbf\xbf"s, "\xf5\x80\x80\x80"s,
              "\xf7\xbf\xbf\xbf"s, "\xf8\x88\x80\x80\x80"s, "\xff\xfe"s, "\x80"s, "\xbf\xbf"s, "\xe2\x82"s,
              "\xe2\x82z"s, "\xf0\x9f\x98"s, "\xf0\x9f"s, "\xf0"s, "\xc3\0\xa9"s, "a\0"s, "\0a"s, "\0"s,
              "\xe2\0\x82\xac"s, "\xc3\xa9\0\xc3\xa9"s, "\xf5"s, "\xf5z"s};
    case transform::normalize_path:
    case transform::normalize_path_win:
      return {"/"s, "//"s, "/a/b/../c"s, "a/b/../../c"s, "../a"s, "../../a"s, "a/../../b"s, "/../a"s,
              "/.."s, "/."s, "./a"s, "a/."s, "a/./b"s, "a//b"s, "a///b/"s, "/a/b/"s, "/a/b/.."s,
              "/a/b/../"s, "a/.."s, "..."s, ".../a"s, "a/.../b"s, "a/..b/c"s, "a\\b"s, "a\\..\\b"s,
              "\\a\\b\\"s, "a/\\b"s, "a/\\\\b"s, "a\\\\\\b"s, "a\\/\\/b"s, "C:\\Windows\\..\\x"s,
              ".\\a"s, "..\\..\\a"s, "a/b/c/../../../../d"s, "/a/./././b"s, "./"s, "../"s, "x/./"s,
              "x/../"s, "/x/../"s, "\\"s, "\\\\"s, "a\\"s, "\\.."s, "a\0/../b"s};
    case transform::remove_comments:
    case transform::replace_comments:
    case transform::remove_comments_char:
      return {"a/*b*/c"s, "/*x*/"s, "/**/"s, "/*"s, "/*/"s, "*/"s, "a/*b"s, "a/*b*"s, "/*a*/#b"s,
              "/*a*/--b"s, "a--b"s, "a-b"s, "a#b"s, "#"s, "-"s, "<!--x-->y"s, "<!--x"s, "<!-x-->"s,
              "a<!--b-->"s, "-->"s, "<!--"s, "/*a/*b*/c*/d"s, "/*a*//*b*/"s, "-/*-*/-"s, "/*-*/-"s,
              "/**/#/**/"s, "--/**/"s, "a/*\0*/b"s, "a\0#"s, "/*x-->"s, "<!--x*/y"s, "/-/*-"s};
    case transform::cmd_line:
      return {"C:\\Windows\\System32\\cmd.exe /c dir"s, "a ^ b"s, "a , ; b"s, "a /b"s, "a (b"s,
              "a\t\r\n/b"s, "\"a\"'b'"s, "a\v\fb"s, "  lead"s, "trail  "s, " /"s, " ^/"s, "AbC"s,
              "a,/b"s, "\xc3\x89"s, "a ; (b)"s};
    case transform::compress_whitespace:
    case transform::remove_whitespace:
    case transform::trim:
    case transform::trim_left:
    case transform::trim_right:
      return {" a "s, "\ta\t"s, "\v\fa\v\f"s, "\xa0" "a\xa0"s, "a  b"s, "a \t\n b"s, "a\0b"s, "\0 a \0"s,
              "\r\n"s, "a\xa0\xa0" "b"s, "\x85" "a\x85"s, "   "s};
    case transform::url_encode:
    case transform::hex_encode:
    case transform::base64_encode:
      return {"a b"s, "*"s, "-_.~"s, "\0\xff"s, "abcd"s, "abcde"s, "abcdef"s};
    default:
      return {"\0\xff\x80 MiXeD cAsE \xc3\x89"s, "1234567890"s};
  }
}

// Random strings for every transformation: special characters, white space, hex digits, NUL, high bytes.
inline std::string_view generic_alphabet() {
  static const std::string a = "%%%uU+&&#;xX\\\\//..**--'\"^,( \t\n\r\v\f0123456789abcdefABCDEFgz=!<>?"
                               "\0\0\xff\xa0\x80\xc3\xa9\xe2\xef\xbc\xf0\x9f"s;
  return a;
}

// Random strings aimed at one transformation's grammar.
inline std::string_view targeted_alphabet(crs::transform t) {
  using crs::transform;
  static const std::string url = "%%%%uUfF00124aAbB9eE++gz\0"s;
  static const std::string html = "&&&&##xX;;0123456789aAfFzampltgqounbsAMP\0"s;
  static const std::string js = "\\\\\\\\uuxX0123456789abcdefABCDEFntrvb'\"?\0\xff"s;
  static const std::string css = "\\\\\\\\0000fFfF123456789abcdeg \n\t\r\v\0"s;
  static const std::string b64 =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/9==== \n\r-_!\0"s;
  static const std::string hex = "0123456789abcdefABCDEFxXgz \0"s;
  static const std::string sql = "0000xxXX123456789abcdefABCDEFgz \0"s;
  static const std::string utf8 =
      "\x80\x8f\x9f\xa0\xbf\xc0\xc1\xc3\xdf\xe0\xe2\xed\xef\xf0\xf4\xf5\xf7\xf8\xff\x80\x80\xbf\xa9" "aZ\0"s;
  static const std::string path = "////\\\\....abC:\0"s;
  static const std::string comment = "//**--##<!>ab \0"s;
  static const std::string cmd = "\"'\\^,,;; \t\r\n//((aAZz\v\0"s;
  static const std::string escape = "\\\\\\\\xX0123456789abfnrtv?'\"uqgG\0"s;
  static const std::string space = "  \t\n\v\f\r\xa0\x85\0aZ"s;
  switch (t) {
    case transform::url_decode:
    case transform::url_decode_uni: return url;
    case transform::html_entity_decode: return html;
    case transform::js_decode: return js;
    case transform::css_decode: return css;
    case transform::base64_decode:
    case transform::base64_decode_ext: return b64;
    case transform::hex_decode: return hex;
    case transform::sql_hex_decode: return sql;
    case transform::utf8_to_unicode: return utf8;
    case transform::normalize_path:
    case transform::normalize_path_win: return path;
    case transform::remove_comments:
    case transform::replace_comments:
    case transform::remove_comments_char: return comment;
    case transform::cmd_line: return cmd;
    case transform::escape_seq_decode: return escape;
    case transform::compress_whitespace:
    case transform::remove_whitespace:
    case transform::trim:
    case transform::trim_left:
    case transform::trim_right: return space;
    default: return generic_alphabet();
  }
}

// Tokens whose concatenations (random sequences of them) hit the decoders' valid and almost-valid forms,
// which random bytes rarely spell out.
inline std::vector<std::string> targeted_tokens(crs::transform t) {
  using crs::transform;
  switch (t) {
    case transform::url_decode:
    case transform::url_decode_uni:
      return {"%41"s, "%u0041"s, "%uff21"s, "%uFF5E"s, "%uff7f"s, "%2"s, "%u12"s, "%zz"s, "+"s, "a"s, "%"s,
              "%u"s, "%U"s, "%00"s, "%e9"s, "%C3%A9"s, "%u00"s, "%uFFFF"s};
    case transform::html_entity_decode:
      return {"&lt;"s, "&amp"s, "&#65;"s, "&#x41"s, "&#x;"s, "&#"s, "&"s, "a"s, ";"s, "&nbsp;"s, "&QUOT"s,
              "&#999;"s, "&#x2f;"s, "&#X"s, "&gt"s, "1"s, "&#0"s};
    case transform::js_decode:
      return {"\\x41"s, "\\u0041"s, "\\uff21"s, "\\101"s, "\\477"s, "\\n"s, "\\"s, "a"s, "\\q"s, "\\x4"s,
              "\\u00"s, "7"s, "\\0"s, "\\U0041"s, "f"s};
    case transform::css_decode:
      return {"\\41 "s, "\\41"s, "\\ff21"s, "\\0ff21"s, "\\00ff21"s, "\\000041"s, "\\\n"s, "\\g"s, "a"s,
              " "s, "\\0"s, "\\"s, "f"s, "0"s, "\t"s};
    case transform::escape_seq_decode:
      return {"\\x41"s, "\\101"s, "\\777"s, "\\n"s, "\\q"s, "\\x"s, "\\"s, "a"s, "\\8"s, "7"s, "\\X4"s};
    case transform::base64_decode:  // mostly valid: random bytes already cover the rejections
      return {"QUJD"s, "QQ=="s, "QUI="s, "\n"s, "\r\n"s, " "s, "9"s, "Q"s, "QU"s, "QUJ"s, "/+9a"s,
              "QUJDREVG"s, "zz9+"s, "ABCD"s};
    case transform::base64_decode_ext:
      return {"QUJD"s, "QQ=="s, "QUI="s, "=="s, "="s, "\n"s, "\r\n"s, " "s, "9"s, "Q"s, "QU"s, "QUJ"s,
              "-"s, "_"s, "!"s, "\0"s, "\r"s, "/+9a"s, "QUJDREVG"s};
    case transform::hex_decode:
    case transform::sql_hex_decode:
      return {"41"s, "4"s, "zz"s, "00"s, "ff"s, "0x41"s, "0x"s, "0X4142"s, "0x0"s, "a"s, "0"s, "x"s,
              "0x00"s, "0xzz"s, " "s};
    case transform::utf8_to_unicode:
      return {"\xc3\xa9"s, "\xe2\x82\xac"s, "\xf0\x9f\x98\x80"s, "\xc0\x80"s, "\xe0\x80\xaf"s,
              "\xf0\x80\x80\xaf"s, "\xed\xa0\x80"s, "\xf5\x80\x80\x80"s, "\xf7\xbf\xbf\xbf"s, "\xc3"s,
              "\xe2\x82"s, "\xf0\x9f"s, "\x80"s, "\xbf"s, "\xf8"s, "\xff"s, "a"s, "\0"s, "\xef\xbc\xa1"s};
    case transform::normalize_path:
    case transform::normalize_path_win:
      return {"/"s, "//"s, ".."s, "."s, "a"s, "\\"s, "../"s, "./"s, "/.."s, "/."s, "bc"s, "..\\"s};
    case transform::remove_comments:
    case transform::replace_comments:
    case transform::remove_comments_char:
      return {"/*"s, "*/"s, "<!--"s, "-->"s, "--"s, "#"s, "a"s, " "s, "-"s, "/"s, "*"s, "<!-"s, "\0"s};
    case transform::cmd_line:
      return {"\""s, "'"s, "\\"s, "^"s, ","s, " "s, ";"s, "\t"s, "/"s, "("s, "A"s, "a"s, "\n"s};
    default:
      return {" "s, "\t"s, "\xa0"s, "a"s, "\0"s, "\v"s, "%41"s, "&lt;"s, "\\x41"s, "/*"s, "0x41"s, "Q"s};
  }
}

}  // namespace vigil::testing
