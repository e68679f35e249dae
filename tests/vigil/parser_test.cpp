// The access-log parser: nginx combined, custom log_format strings, JSON lines, and hostile input.
#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <string>

#include "parse/line_parser.hpp"

namespace vigil {
namespace {

constexpr std::string_view combined_line =
    R"L(203.0.113.9 - alice [10/Oct/2025:13:55:36 -0700] "GET /search?q=a%20b HTTP/1.1" 200 2326 "https://example.com/" "Mozilla/5.0 (X11)")L";

TEST(VigilParser, ParsesCombinedIntoViewsOfTheLine) {
  line_parser parser;
  log_record r;
  ASSERT_TRUE(parser.parse(combined_line, r));
  EXPECT_EQ(r.remote_addr, "203.0.113.9");
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.target, "/search?q=a%20b");
  EXPECT_EQ(r.protocol, "HTTP/1.1");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body_bytes, 2326);
  EXPECT_EQ(r.referer, "https://example.com/");
  EXPECT_EQ(r.user_agent, "Mozilla/5.0 (X11)");
  EXPECT_EQ(r.epoch, 1760129736);  // 2025-10-10T20:55:36Z
  // Zero copy: the views point into the line.
  EXPECT_GE(r.target.data(), combined_line.data());
  EXPECT_LT(r.target.data(), combined_line.data() + combined_line.size());
}

TEST(VigilParser, DashesAreEmptyAndJunkRequestsKeepTheLine) {
  line_parser parser;
  log_record r;
  ASSERT_TRUE(parser.parse(R"(198.51.100.7 - - [01/Jan/2026:00:00:00 +0000] "\x16\x03\x01\x02\x00\x01" 400 157 "-" "-")", r));
  EXPECT_EQ(r.status, 400);
  EXPECT_TRUE(r.method.empty());
  EXPECT_TRUE(r.target.empty());
  EXPECT_TRUE(r.referer.empty());
  EXPECT_TRUE(r.user_agent.empty());
  EXPECT_EQ(parser.malformed().count(), 0u);
}

TEST(VigilParser, EscapedQuotesAndAnUnescapedQuoteInTheLastFieldStayInPlace) {
  line_parser parser;
  log_record r;
  ASSERT_TRUE(parser.parse(
      R"(192.0.2.1 - - [01/Jan/2026:00:00:00 +0000] "GET /?q=\x22x\x22 HTTP/1.1" 200 1 "-" "evil "agent" 1.0")", r));
  EXPECT_EQ(r.target, R"(/?q=\x22x\x22)");
  EXPECT_EQ(r.user_agent, R"(evil "agent" 1.0)");
}

TEST(VigilParser, CustomLogFormatWithRequestTimeAndHost) {
  parser_options o;
  o.format = R"($host $remote_addr [$time_iso8601] "$request_method $request_uri $server_protocol" $status $body_bytes_sent rt=$request_time ua="${http_user_agent}")";
  line_parser parser(o);
  log_record r;
  ASSERT_TRUE(parser.parse(
      R"(shop.example.com 2001:db8::1 [2026-01-01T10:00:00+01:00] "POST /api/v1/orders HTTP/2.0" 201 88 rt=0.042 ua="okhttp/4.12.0")", r));
  EXPECT_EQ(r.host, "shop.example.com");
  EXPECT_EQ(r.remote_addr, "2001:db8::1");
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.target, "/api/v1/orders");
  EXPECT_EQ(r.protocol, "HTTP/2.0");
  EXPECT_EQ(r.status, 201);
  EXPECT_DOUBLE_EQ(r.request_time, 0.042);
  EXPECT_EQ(r.user_agent, "okhttp/4.12.0");
  EXPECT_EQ(r.epoch, 1767258000);  // 2026-01-01T09:00:00Z
}

TEST(VigilParser, FormatErrorsNameTheProblem) {
  EXPECT_THROW(log_format::compile("no variables here"), std::invalid_argument);
  try {
    log_format::compile("$remote_addr$status");
    FAIL() << "adjacent variables must be rejected";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("$status"), std::string::npos) << e.what();
  }
  EXPECT_THROW(log_format::compile("${remote_addr"), std::invalid_argument);
}

TEST(VigilParser, JsonLines) {
  parser_options o;
  o.format = "json";
  line_parser parser(o);
  log_record r;
  ASSERT_TRUE(parser.parse(
      R"({"remote_addr":"10.0.0.1","time_local":"01/Jan/2026:00:00:00 +0000","request":"GET /a?b=1 HTTP/1.1","status":"404","body_bytes_sent":12,"http_referer":"-","http_user_agent":"curl/8","request_time":"0.001"})",
      r));
  EXPECT_EQ(r.remote_addr, "10.0.0.1");
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.target, "/a?b=1");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body_bytes, 12);
  EXPECT_TRUE(r.referer.empty());
  EXPECT_EQ(r.epoch, 1767225600);
  EXPECT_FALSE(parser.parse(R"({"status": {"nested": true}})", r));
  EXPECT_FALSE(parser.parse(R"([1,2,3])", r));
  EXPECT_FALSE(parser.parse(R"({"remote_addr": "x", )", r));
  EXPECT_FALSE(parser.parse(R"({"status": 1e300})", r));
  EXPECT_FALSE(parser.parse(R"({"status": 18446744073709551615})", r));
  EXPECT_FALSE(parser.parse(R"({"status": "20x"})", r));
  EXPECT_EQ(parser.malformed().count(), 6u);
}

// Found by tests/fuzz/log_line_fuzz.cpp: conversions of out-of-range JSON numbers were undefined or
// wrapped (a status of 2^32 + 200 read as 200), and nesting was unbounded.
TEST(VigilParser, JsonNumbersAreRangeCheckedForTheirField) {
  parser_options o;
  o.format = "json";
  line_parser parser(o);
  log_record r;
  ASSERT_TRUE(parser.parse(R"({"status": 200, "request_time": 1, "body_bytes_sent": 9007199254740993})", r));
  EXPECT_EQ(r.request_time, 1.0);
  EXPECT_EQ(r.body_bytes, 9007199254740993);
  EXPECT_FALSE(parser.parse(R"({"status": "4294967496"})", r));  // 2^32 + 200
  EXPECT_FALSE(parser.parse(R"({"status": 4294967496})", r));
  EXPECT_FALSE(parser.parse(R"({"body_bytes_sent": 9223372036854775808})", r));
  EXPECT_FALSE(parser.parse(R"({"body_bytes_sent": 9.3e18})", r));
  ASSERT_TRUE(parser.parse(R"({"status": 200, "msec": 1e300})", r));
  EXPECT_EQ(r.epoch, 0);  // an unusable time, as an unparsable one
  ASSERT_TRUE(parser.parse(R"({"status": 200, "msec": 1700000000.5})", r));
  EXPECT_EQ(r.epoch, 1700000000);
}

TEST(VigilParser, DeeplyNestedJsonLinesAreRefusedBeforeParsing) {
  parser_options o;
  o.format = "json";
  o.max_line = 1 << 20;
  line_parser parser(o);
  log_record r;
  const std::string deep = R"({"status":200,"x":)" + std::string(100000, '[') + std::string(100000, ']') + "}";
  EXPECT_FALSE(parser.parse(deep, r));
  ASSERT_EQ(parser.malformed().samples().size(), 1u);
  EXPECT_EQ(parser.malformed().samples()[0].reason, "JSON nested deeper than 64 levels");
  const std::string shallow = R"({"status":200,"x":)" + std::string(60, '[') + std::string(60, ']') + "}";
  EXPECT_TRUE(parser.parse(shallow, r));
}

TEST(VigilParser, MalformedLinesAreCountedWithABoundedPrintableSample) {
  parser_options o;
  o.sample_capacity = 4;
  line_parser parser(o);
  log_record r;
  for (int i = 0; i < 100; ++i) EXPECT_FALSE(parser.parse("garbage line " + std::to_string(i), r));
  EXPECT_FALSE(parser.parse(R"(1.2.3.4 - - [01/Jan/2026:00:00:00 +0000] "GET / HTTP/1.1" abc 1 "-" "-")", r));
  EXPECT_EQ(parser.malformed().count(), 101u);
  ASSERT_EQ(parser.malformed().samples().size(), 4u);
  EXPECT_EQ(parser.malformed().samples()[0].text, "garbage line 0");
  EXPECT_EQ(parser.parsed(), 0u);
}

TEST(VigilParser, HostileInputNeverCrashes) {
  line_parser combined;
  parser_options json_options;
  json_options.format = "json";
  line_parser json(json_options);
  log_record r;
  std::mt19937 rng(42);
  std::string junk;
  std::uint64_t rejected = 0;
  for (int i = 0; i < 2000; ++i) {
    junk.resize(rng() % 600);
    for (auto& c : junk) c = static_cast<char>(rng());
    rejected += !combined.parse(junk, r);
    rejected += !json.parse(junk, r);
  }
  EXPECT_GT(rejected, 3900u);
  // Invalid UTF-8 and odd escapes inside an otherwise valid line still parse.
  const std::string odd = "1.2.3.4 - - [01/Jan/2026:00:00:00 +0000] \"GET /\xff\xfe\xc0\xaf\\x2\\x \\\\x22 HTTP/1.1\" 200 1 \"\xe2\x28\xa1\" \"\\x\"";
  ASSERT_TRUE(combined.parse(odd, r));
  EXPECT_EQ(r.status, 200);
  // A 1 MB line is rejected as too long, and the sample is truncated and printable.
  const std::string huge(1 << 20, 'A');
  EXPECT_FALSE(combined.parse(huge, r));
  const auto& last = combined.malformed().samples();
  ASSERT_FALSE(last.empty());
  for (const auto& s : last) {
    EXPECT_LE(s.text.size(), malformed_log::max_sample_bytes * 4 + 3);
    for (unsigned char c : s.text) EXPECT_TRUE(c >= 0x20 && c < 0x7f);
  }
  // A 1 MB line within a raised limit parses, zero-copy.
  parser_options big;
  big.max_line = 2 << 20;
  line_parser roomy(big);
  const std::string long_target = "1.2.3.4 - - [01/Jan/2026:00:00:00 +0000] \"GET /" + std::string(1 << 20, 'a') +
                                  " HTTP/1.1\" 414 0 \"-\" \"-\"";
  ASSERT_TRUE(roomy.parse(long_target, r));
  EXPECT_EQ(r.target.size(), (1u << 20) + 1);
}

TEST(VigilParser, TimeParsing) {
  std::int64_t t = 0;
  EXPECT_TRUE(parse_time_local("29/Feb/2024:23:59:59 +0000", t));
  EXPECT_EQ(t, 1709251199);
  EXPECT_FALSE(parse_time_local("32/Feb/2024:23:59:59 +0000", t));
  EXPECT_FALSE(parse_time_local("01/Foo/2024:23:59:59 +0000", t));
  EXPECT_FALSE(parse_time_local("", t));
  EXPECT_TRUE(parse_time_iso8601("2024-02-29T23:59:59.123Z", t));
  EXPECT_EQ(t, 1709251199);
  EXPECT_FALSE(parse_time_iso8601("2024-02-29T23:59:59+0x:00", t));
}

}  // namespace
}  // namespace vigil

namespace vigil {
namespace {

// Random format strings either compile or throw invalid_argument; compiled ones never crash on
// random lines built from the same alphabet.
TEST(VigilParser, RandomFormatsAndLinesNeverCrash) {
  std::mt19937 rng(7);
  const std::string alphabet = "$${}\"[] -:/abcdefghijklmnopqrstuvwxyz_019\\";
  const std::vector<std::string> names{"remote_addr", "time_local", "request", "status", "body_bytes_sent",
                                       "http_user_agent", "request_time", "msec", "time_iso8601", "unknown_var"};
  log_record r;
  std::size_t compiled = 0, parsed = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string spec;
    const auto parts = rng() % 8;
    for (unsigned p = 0; p < parts; ++p) {
      if (rng() % 2) spec += (rng() % 4 ? "$" : "${") + names[rng() % names.size()] + (rng() % 4 ? "" : "}");
      const auto junk = rng() % 4;
      for (unsigned k = 0; k < junk; ++k) spec += alphabet[rng() % alphabet.size()];
    }
    parser_options o;
    o.format = spec;
    std::unique_ptr<line_parser> parser;
    try {
      parser = std::make_unique<line_parser>(o);
    } catch (const std::invalid_argument&) {
      continue;
    }
    ++compiled;
    for (int j = 0; j < 20; ++j) {
      std::string line;
      const auto length = rng() % 80;
      for (unsigned k = 0; k < length; ++k) line += alphabet[rng() % alphabet.size()];
      parsed += parser->parse(line, r);
    }
  }
  EXPECT_GT(compiled, 500u);
  EXPECT_GT(parsed, 0u);
}

}  // namespace
}  // namespace vigil
