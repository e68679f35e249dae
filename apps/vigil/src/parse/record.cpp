#include "parse/record.hpp"

#include <array>
#include <charconv>

namespace vigil {
namespace {

bool is_token_char(char c) { return c >= 'A' && c <= 'Z'; }

// Howard Hinnant's days_from_civil: days since 1970-01-01 for a proleptic Gregorian date.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool digits(std::string_view text, std::size_t pos, std::size_t count, int& value) {
  if (pos + count > text.size()) return false;
  value = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    const char c = text[i];
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  return true;
}

bool month_of(std::string_view name, unsigned& month) {
  static constexpr std::array<std::string_view, 12> names{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (unsigned i = 0; i < names.size(); ++i) {
    if (names[i] == name) {
      month = i + 1;
      return true;
    }
  }
  return false;
}

bool valid_clock(int h, int mi, int s, unsigned month, int day) {
  return h < 24 && mi < 60 && s < 61 && month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

}  // namespace

void split_request(std::string_view request, log_record& out) {
  out.method = {};
  out.target = {};
  out.protocol = {};
  const auto first = request.find(' ');
  if (first == std::string_view::npos || first == 0) return;
  const auto method = request.substr(0, first);
  for (char c : method) {
    if (!is_token_char(c)) return;  // TLS handshakes, binary junk: no method
  }
  out.method = method;
  auto rest = request.substr(first + 1);
  const auto last = rest.rfind(' ');
  if (last != std::string_view::npos && rest.substr(last + 1).starts_with("HTTP/")) {
    out.protocol = rest.substr(last + 1);
    rest = rest.substr(0, last);
  }
  out.target = rest;
}

bool parse_time_local(std::string_view t, std::int64_t& epoch) {
  // 10/Oct/2000:13:55:36 -0700
  if (t.size() != 26 || t[2] != '/' || t[6] != '/' || t[11] != ':' || t[14] != ':' || t[17] != ':' ||
      t[20] != ' ')
    return false;
  int day = 0, year = 0, h = 0, mi = 0, s = 0, off = 0;
  unsigned month = 0;
  if (!digits(t, 0, 2, day) || !month_of(t.substr(3, 3), month) || !digits(t, 7, 4, year) ||
      !digits(t, 12, 2, h) || !digits(t, 15, 2, mi) || !digits(t, 18, 2, s) || !digits(t, 22, 4, off))
    return false;
  if (!valid_clock(h, mi, s, month, day) || (t[21] != '+' && t[21] != '-')) return false;
  const int offset = (off / 100) * 3600 + (off % 100) * 60;
  epoch = days_from_civil(year, month, static_cast<unsigned>(day)) * 86400 + h * 3600 + mi * 60 + s -
          (t[21] == '-' ? -offset : offset);
  return true;
}

bool parse_time_iso8601(std::string_view t, std::int64_t& epoch) {
  // 2000-10-10T13:55:36-07:00 or 2000-10-10T13:55:36Z
  if (t.size() < 20 || t[4] != '-' || t[7] != '-' || (t[10] != 'T' && t[10] != ' ') || t[13] != ':' ||
      t[16] != ':')
    return false;
  int year = 0, mon = 0, day = 0, h = 0, mi = 0, s = 0;
  if (!digits(t, 0, 4, year) || !digits(t, 5, 2, mon) || !digits(t, 8, 2, day) || !digits(t, 11, 2, h) ||
      !digits(t, 14, 2, mi) || !digits(t, 17, 2, s))
    return false;
  if (!valid_clock(h, mi, s, static_cast<unsigned>(mon), day)) return false;
  auto zone = t.substr(19);
  if (!zone.empty() && zone[0] == '.') {  // fractional seconds
    std::size_t i = 1;
    while (i < zone.size() && zone[i] >= '0' && zone[i] <= '9') ++i;
    zone = zone.substr(i);
  }
  int offset = 0;
  if (zone == "Z") {
    offset = 0;
  } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':') {
    int oh = 0, om = 0;
    if (!digits(zone, 1, 2, oh) || !digits(zone, 4, 2, om)) return false;
    offset = (oh * 3600 + om * 60) * (zone[0] == '-' ? -1 : 1);
  } else {
    return false;
  }
  epoch = days_from_civil(year, static_cast<unsigned>(mon), static_cast<unsigned>(day)) * 86400 + h * 3600 +
          mi * 60 + s - offset;
  return true;
}

}  // namespace vigil
