// Typed reading of configuration values: what each supported type accepts, and what the error says
// when a value does not fit. Messages name the expected form and quote what was written.
#include <yaml-cpp/yaml.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>

#include "tree.hpp"

namespace lifespan::config::detail {
namespace {

using kind = node::kind;

bool fail(std::string& problem, std::string expected, const node& n) {
  problem = "expected " + std::move(expected) + ", got " + describe(n);
  return false;
}

// Integers as YAML 1.2 writes them: [-+]?[0-9]+, 0x[0-9a-fA-F]+, 0o[0-7]+. nullopt when `text`
// is not an integer at all; `out_of_range` set when it is one but does not fit in 64 bits.
std::optional<std::int64_t> parse_integer(std::string_view text, bool& out_of_range) {
  out_of_range = false;
  int base = 10;
  bool negative = false;
  if (text.starts_with("0x")) {
    base = 16;
    text.remove_prefix(2);
  } else if (text.starts_with("0o")) {
    base = 8;
    text.remove_prefix(2);
  } else if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  if (text.empty() || text[0] == '-' || text[0] == '+') return std::nullopt;

  // Parsed as a magnitude so that the most negative value is accepted.
  std::uint64_t magnitude = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), magnitude, base);
  if (end != text.data() + text.size()) return std::nullopt;
  constexpr auto max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (ec == std::errc::result_out_of_range || magnitude > max + (negative ? 1 : 0)) {
    out_of_range = true;
    return std::nullopt;
  }
  if (ec != std::errc{}) return std::nullopt;
  return negative ? static_cast<std::int64_t>(std::uint64_t{0} - magnitude) : static_cast<std::int64_t>(magnitude);
}

// Floating point as YAML 1.2 writes it, including .inf, -.inf and .nan; not C's "inf" or "nan".
std::optional<double> parse_number(std::string_view text) {
  static constexpr std::string_view infinities[] = {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"};
  static constexpr std::string_view negative_infinities[] = {"-.inf", "-.Inf", "-.INF"};
  static constexpr std::string_view nans[] = {".nan", ".NaN", ".NAN"};
  for (auto s : infinities) {
    if (text == s) return std::numeric_limits<double>::infinity();
  }
  for (auto s : negative_infinities) {
    if (text == s) return -std::numeric_limits<double>::infinity();
  }
  for (auto s : nans) {
    if (text == s) return std::numeric_limits<double>::quiet_NaN();
  }
  if (text.starts_with('+')) {
    text.remove_prefix(1);  // from_chars takes no '+'
    if (text.starts_with('-')) return std::nullopt;
  }
  if (text.empty() || !(std::isdigit(static_cast<unsigned char>(text[0])) || text[0] == '.' || text[0] == '-')) {
    return std::nullopt;
  }
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || !std::isfinite(value)) return std::nullopt;
  return value;
}

}  // namespace

const entry* node::find(std::string_view key) const {
  if (!index.empty()) {
    const auto it = index.find(key);
    return it == index.end() ? nullptr : &entries[it->second];
  }
  for (const auto& e : entries) {
    if (e.key == key) return &e;
  }
  return nullptr;
}

entry& node::add(entry e) {
  entries.push_back(std::move(e));
  if (entries.size() == indexed_from) {
    index.reserve(2 * indexed_from);
    for (std::size_t i = 0; i < entries.size(); ++i) index.emplace(entries[i].key, i);
  } else if (entries.size() > indexed_from) {
    index.emplace(entries.back().key, entries.size() - 1);
  }
  return entries.back();
}

entry* node::find(std::string_view key) {
  return const_cast<entry*>(static_cast<const node&>(*this).find(key));
}

std::string join_key(const std::vector<std::string>& path, std::string_view key) {
  std::string result;
  for (const auto& part : path) {
    if (!result.empty() && !part.starts_with('[')) result += '.';  // "hosts[2]", a list position
    result += part;
  }
  if (!key.empty()) {
    if (!result.empty()) result += '.';
    result += key;
  }
  return result;
}

std::string describe(const node& n) {
  switch (n.type) {
    case kind::null: return "an empty value";
    case kind::sequence: return "a list";
    case kind::mapping: return "a mapping";
    case kind::scalar: break;
  }
  return quote(n.text);
}

bool decode(const node& n, bool& out, std::string& problem, std::string& hint) {
  // yaml-cpp's reading: true/false, yes/no, on/off, y/n in lower, UPPER or Title case.
  if (n.type == kind::scalar && YAML::convert<bool>::decode(YAML::Node(n.text), out)) return true;
  hint = "write true or false";
  return fail(problem, "true or false", n);
}

bool decode(const node& n, std::int64_t& out, std::string& problem, std::string&) {
  bool out_of_range = false;
  if (n.type == kind::scalar) {
    if (auto value = parse_integer(n.text, out_of_range)) {
      out = *value;
      return true;
    }
  }
  if (out_of_range) return fail(problem, "an integer that fits in 64 bits", n);
  return fail(problem, "an integer", n);
}

bool decode(const node& n, int& out, std::string& problem, std::string& hint) {
  std::int64_t wide = 0;
  if (!decode(n, wide, problem, hint)) return false;
  if (wide < std::numeric_limits<int>::min() || wide > std::numeric_limits<int>::max()) {
    return fail(problem,
                "an integer between " + std::to_string(std::numeric_limits<int>::min()) + " and " +
                    std::to_string(std::numeric_limits<int>::max()),
                n);
  }
  out = static_cast<int>(wide);
  return true;
}

bool decode(const node& n, double& out, std::string& problem, std::string&) {
  if (n.type == kind::scalar) {
    if (auto value = parse_number(n.text)) {
      out = *value;
      return true;
    }
  }
  return fail(problem, "a number", n);
}

bool decode(const node& n, std::string& out, std::string& problem, std::string&) {
  // Any scalar reads as a string ("8080", "true"): the text as written, without quotes.
  if (n.type == kind::scalar) {
    out = n.text;
    return true;
  }
  return fail(problem, "a string", n);
}

bool decode(const node& n, duration& out, std::string& problem, std::string& hint) {
  if (n.type == kind::scalar) {
    if (auto value = parse_duration(n.text)) {
      out = *value;
      return true;
    }
    const std::string_view text = n.text;
    if (text.starts_with('-')) {
      hint = "durations cannot be negative";
    } else if (!text.empty() && text.find_first_not_of("0123456789.") == std::string_view::npos) {
      hint = "add a unit: " + n.text + "ms or " + n.text + "s";
    } else {
      hint = "units are ns, us, ms, s, m and h, written right after the number";
    }
  }
  return fail(problem, "a duration such as 250ms or 5s", n);
}

bool decode(const node& n, std::vector<std::string>& out, std::string& problem, std::string& hint) {
  if (n.type == kind::scalar) {
    hint = "write a single item as [" + n.text + "]";
    return fail(problem, "a list such as [a, b]", n);
  }
  if (n.type != kind::sequence) return fail(problem, "a list such as [a, b]", n);
  out.clear();
  out.reserve(n.items.size());
  for (std::size_t i = 0; i < n.items.size(); ++i) {
    const node& item = n.items[i];
    if (item.type != kind::scalar) {
      problem = "expected a list of strings such as [a, b], got " + describe(item) + " as item " + std::to_string(i + 1);
      return false;
    }
    out.push_back(item.text);
  }
  return true;
}

}  // namespace lifespan::config::detail
