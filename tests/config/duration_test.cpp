#include "lifespan/config/duration.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace lifespan::config {
namespace {

using namespace std::chrono_literals;

struct good_case {
  std::string text;
  duration expected;
};

TEST(ParseDuration, AcceptsEveryUnitAndDecimalFractions) {
  const std::vector<good_case> cases{
      {"0", 0ns},
      {"0s", 0ns},
      {"0ms", 0ns},
      {"250ms", 250ms},
      {"5s", 5s},
      {"1.5s", 1500ms},
      {"2m", 2min},
      {"1h", 1h},
      {"100us", 100us},
      {"100\xC2\xB5s", 100us},  // micro sign
      {"100\xCE\xBCs", 100us},  // Greek mu
      {"10ns", 10ns},
      {"0.5ms", 500us},
      {"1.25h", 75min},
      {"0.1s", 100ms},
      {"1.000s", 1s},
      {"0.000000001s", 1ns},
      {"1.5us", 1500ns},
      {"007s", 7s},
      {"90m", 90min},
      {"9223372036854775807ns", duration::max()},
      {"2562047h", 2562047h},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(parse_duration(c.text), c.expected) << "text: " << c.text;
  }
}

TEST(ParseDuration, RejectsGarbageNegativesMissingUnitsAndOverflow) {
  const std::vector<std::string> cases{
      "",
      "5",                      // a unit is required unless the value is 0
      "1.5",                    //
      "00",                     // only the literal 0 may go without a unit
      "-5s",                    // negative
      "+5s",                    // signs are not part of the syntax
      "5 s",                    // no space between number and unit
      " 5s",                    //
      "5s ",                    //
      "5seconds",               // unknown unit
      "5S",                     // units are lower case
      "5d",                     //
      "s",                      // no number
      ".5s",                    // a digit is required before the point
      "5.s",                    // and after it
      "1..5s",                  //
      "1e3s",                   // no exponents
      "0x10s",                  // no hex
      "5ms5",                   // trailing garbage
      "1m30s",                  // compound spellings are not supported
      "0.5ns",                  // finer than a nanosecond
      "1.0000000001s",          //
      "9223372036854775808ns",  // one past the largest int64
      "2562048h",               // overflows int64 nanoseconds
      "99999999999999999999999h",
      "5 seconds",
  };
  for (const auto& text : cases) {
    EXPECT_EQ(parse_duration(text), std::nullopt) << "text: '" << text << "'";
  }
}

struct format_case {
  duration value;
  std::string expected;
};

TEST(FormatDuration, PicksTheShortestExactSpelling) {
  const std::vector<format_case> cases{
      {0ns, "0s"},
      {250ms, "250ms"},
      {5s, "5s"},
      {1500ms, "1.5s"},
      {2min, "2m"},
      {1h, "1h"},
      {90s, "90s"},  // shorter than "1.5m"; compound forms like "1m30s" are never produced
      {3600s, "1h"},
      {5400s, "90m"},
      {36h, "36h"},
      {500ms, "500ms"},  // never "0.5s": the whole part is at least one unit
      {100us, "100us"},
      {1500ns, "1.5us"},
      {1ns, "1ns"},
      {1001ms, "1001ms"},          // as short as "1.001s": the spelling without a point wins
      {1234567891ns, "1234567891ns"},  // likewise over "1.234567891s"
      {61s, "61s"},
      {-1500ms, "-1.5s"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(format_duration(c.value), c.expected) << "nanoseconds: " << c.value.count();
  }
}

TEST(FormatDuration, HandlesTheExtremes) {
  EXPECT_EQ(format_duration(duration::max()), "9223372036854775807ns");
  EXPECT_EQ(format_duration(duration::min()), "-9223372036854775808ns");
}

TEST(FormatDuration, RoundTripsThroughParse) {
  std::vector<duration> values{1ns, 999ns, 1us, 1ms, 1s, 1min, 1h, 59s, 61min, 25h, 1500ms, 2500us, duration::max()};
  // A fixed pseudo-random sequence over the whole range, so failures are reproducible.
  std::uint64_t state = 0x9E3779B97F4A7C15u;
  for (int i = 0; i < 2000; ++i) {
    state = state * 6364136223846793005u + 1442695040888963407u;
    const auto magnitude = static_cast<std::int64_t>(state >> 1);
    values.push_back(duration{magnitude >> (i % 63)});
  }
  for (auto d : values) {
    const std::string text = format_duration(d);
    EXPECT_EQ(parse_duration(text), d) << "formatted as " << text;
  }
}

}  // namespace
}  // namespace lifespan::config
