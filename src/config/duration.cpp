#include "lifespan/config/duration.hpp"

#include <cstdint>
#include <limits>
#include <numeric>

namespace lifespan::config {
namespace {

struct unit {
  std::string_view suffix;
  std::uint64_t ns;
};

// Largest first: format_duration prefers the larger unit when two spellings are equally short.
constexpr unit format_units[] = {
    {"h", 3'600'000'000'000}, {"m", 60'000'000'000}, {"s", 1'000'000'000},
    {"ms", 1'000'000},        {"us", 1'000},         {"ns", 1},
};

// "µs" is accepted in both of its Unicode spellings (micro sign and Greek mu).
constexpr unit parse_units[] = {
    {"h", 3'600'000'000'000}, {"m", 60'000'000'000}, {"s", 1'000'000'000}, {"ms", 1'000'000},
    {"us", 1'000},            {"\xC2\xB5s", 1'000},  {"\xCE\xBCs", 1'000}, {"ns", 1},
};

constexpr std::uint64_t max_ns = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());

constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

std::optional<std::uint64_t> unit_of(std::string_view suffix) noexcept {
  for (const auto& u : parse_units) {
    if (u.suffix == suffix) return u.ns;
  }
  return std::nullopt;
}

// Whole nanoseconds in "0.<digits>" units of `ns` each, or nullopt when that is not a whole number.
// Trailing zeros are stripped first; after that, more than 13 digits can never divide out, because
// no unit has more than thirteen factors of 2 or of 5 (an hour is 2^13 * 3^2 * 5^11 ns).
std::optional<std::uint64_t> fraction_ns(std::string_view digits, std::uint64_t ns) noexcept {
  while (!digits.empty() && digits.back() == '0') digits.remove_suffix(1);
  if (digits.empty()) return 0;
  if (digits.size() > 13) return std::nullopt;
  std::uint64_t numerator = 0;
  std::uint64_t denominator = 1;
  for (char c : digits) {
    numerator = numerator * 10 + static_cast<std::uint64_t>(c - '0');
    denominator *= 10;
  }
  const std::uint64_t common = std::gcd(ns, denominator);
  const std::uint64_t step = denominator / common;  // numerator must be a multiple of this
  if (numerator % step != 0) return std::nullopt;
  return numerator / step * (ns / common);  // < ns, cannot overflow
}

// "<whole>[.<fraction>]<suffix>" when `n` is at least one `u` and the fraction is a finite decimal.
std::optional<std::string> spell(std::uint64_t n, const unit& u) {
  const std::uint64_t whole = n / u.ns;
  std::uint64_t rest = n % u.ns;
  if (whole == 0) return std::nullopt;
  std::string text = std::to_string(whole);
  if (rest != 0) {
    text += '.';
    for (int digits = 0; rest != 0; ++digits) {
      if (digits == 13) return std::nullopt;  // a repeating decimal (minutes and hours have a factor 3)
      rest *= 10;
      text += static_cast<char>('0' + rest / u.ns);
      rest %= u.ns;
    }
  }
  text += u.suffix;
  return text;
}

}  // namespace

std::optional<duration> parse_duration(std::string_view text) noexcept {
  if (text == "0") return duration::zero();

  std::size_t i = 0;
  while (i < text.size() && is_digit(text[i])) ++i;
  const std::string_view whole_digits = text.substr(0, i);
  if (whole_digits.empty()) return std::nullopt;  // also rejects a sign, "", ".5s"

  std::string_view fraction_digits;
  if (i < text.size() && text[i] == '.') {
    const std::size_t start = ++i;
    while (i < text.size() && is_digit(text[i])) ++i;
    fraction_digits = text.substr(start, i - start);
    if (fraction_digits.empty()) return std::nullopt;  // "5.s"
  }

  const auto ns = unit_of(text.substr(i));
  if (!ns) return std::nullopt;  // no unit, an unknown unit, or trailing garbage

  std::uint64_t whole = 0;
  for (char c : whole_digits) {
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (whole > (max_ns - digit) / 10) return std::nullopt;
    whole = whole * 10 + digit;
  }
  if (whole > max_ns / *ns) return std::nullopt;

  const auto fraction = fraction_ns(fraction_digits, *ns);
  if (!fraction) return std::nullopt;  // finer than a nanosecond
  const std::uint64_t total_whole = whole * *ns;
  if (*fraction > max_ns - total_whole) return std::nullopt;
  return duration{static_cast<std::int64_t>(total_whole + *fraction)};
}

std::string format_duration(duration d) {
  const std::int64_t count = d.count();
  if (count == 0) return "0s";
  // Unsigned negation keeps the most negative value representable.
  const std::uint64_t n =
      count < 0 ? std::uint64_t{0} - static_cast<std::uint64_t>(count) : static_cast<std::uint64_t>(count);

  // The shortest spelling whose whole part is at least one unit ("500ms", never "0.5s"; "90s", not
  // "1.5m"). On a tie the spelling without a decimal point wins ("1001ms" over "1.001s"), then the
  // larger unit.
  std::string best;
  for (const auto& u : format_units) {
    auto text = spell(n, u);
    if (!text) continue;
    const bool shorter = best.empty() || text->size() < best.size();
    const bool as_short_without_point = !best.empty() && text->size() == best.size() &&
                                        best.find('.') != std::string::npos &&
                                        text->find('.') == std::string::npos;
    if (shorter || as_short_without_point) best = std::move(*text);
  }
  return count < 0 ? "-" + best : best;
}

}  // namespace lifespan::config
