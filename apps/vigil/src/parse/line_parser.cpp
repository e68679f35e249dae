#include "parse/line_parser.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <limits>
#include <type_traits>
#include <utility>

#include "lifespan/util/json_depth.hpp"

namespace vigil {
namespace {

log_format format_for(const std::string& spec) {
  if (spec == "combined" || spec == "json") return log_format::compile(log_format::combined_spec);
  return log_format::compile(spec);
}

// Copies a JSON string (or number) into `store` and returns a view of it; "-" and absent become
// empty. Returns false when the value is of another type.
bool text(const nlohmann::json& object, const char* key, std::string& store, std::string_view& out) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return true;
  if (it->is_string()) {
    store = it->get_ref<const std::string&>();
  } else if (it->is_number()) {
    store = it->dump();
  } else {
    return false;
  }
  out = store == "-" ? std::string_view{} : std::string_view{store};
  return true;
}

// Whether `v` converts to T without undefined behaviour: its integral part fits (for an integral T,
// below 2^digits; that bound, unlike numeric_limits<T>::max(), is exact as a double). NaN does not.
template <typename T>
bool fits(double v) {
  if constexpr (std::is_floating_point_v<T>) {
    return true;
  } else {
    const double bound = std::ldexp(1.0, std::numeric_limits<T>::digits);
    return v > static_cast<double>(std::numeric_limits<T>::lowest()) - 1.0 && v < bound;
  }
}

template <typename T, typename I>
bool fits_integer(I v) {
  if constexpr (std::is_floating_point_v<T>) {
    return true;
  } else {
    return std::in_range<T>(v);
  }
}

// A JSON number, or a string holding one, range-checked for T: every conversion of an out-of-range
// value is undefined (a float cast) or silently wraps (an integer), and the line is malformed instead.
template <typename T>
bool number(const nlohmann::json& object, const char* key, T& out) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return true;
  if (it->is_number_float()) {
    const double v = it->get<double>();
    if (!fits<T>(v)) return false;
    out = static_cast<T>(v);
    return true;
  }
  if (it->is_number_unsigned()) {
    const auto v = it->get<std::uint64_t>();
    if (!fits_integer<T>(v)) return false;
    out = static_cast<T>(v);
    return true;
  }
  if (it->is_number_integer()) {
    const auto v = it->get<std::int64_t>();
    if (!fits_integer<T>(v)) return false;
    out = static_cast<T>(v);
    return true;
  }
  if (it->is_string()) {
    const auto& s = it->get_ref<const std::string&>();
    if (s == "-" || s.empty()) return true;
    try {
      std::size_t used = 0;
      if constexpr (std::is_floating_point_v<T>) {
        out = static_cast<T>(std::stod(s, &used));
      } else {
        const auto v = std::stoll(s, &used);
        if (!fits_integer<T>(v)) return false;
        out = static_cast<T>(v);
      }
      return used == s.size();
    } catch (const std::exception&) {
      return false;
    }
  }
  return false;
}

}  // namespace

line_parser::line_parser(const parser_options& options)
    : json_(options.format == "json"),
      format_(format_for(options.format)),
      max_line_(options.max_line),
      malformed_(options.sample_capacity) {}

bool line_parser::parse(std::string_view line, log_record& out) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  const char* reason = nullptr;
  bool ok = false;
  if (line.size() > max_line_) {
    reason = "line longer than max_line";
  } else if (json_) {
    ok = parse_json(line, out, reason);
  } else {
    ok = format_.extract(line, out, reason);
  }
  if (!ok) {
    malformed_.record(line, reason ? reason : "unparsable");
    return false;
  }
  ++parsed_;
  return true;
}

bool line_parser::parse_json(std::string_view line, log_record& out, const char*& reason) {
  out = log_record{};
  // A log line nests a level or two; a deep one would crash whatever recurses over the parsed value
  // (lifespan/util/json_depth.hpp), so it is refused before parsing.
  if (lifespan::json_depth(line, lifespan::default_max_json_depth) > lifespan::default_max_json_depth) {
    reason = "JSON nested deeper than 64 levels";
    return false;
  }
  auto object = nlohmann::json::parse(line.begin(), line.end(), nullptr, /*allow_exceptions=*/false);
  if (object.is_discarded() || !object.is_object()) {
    reason = "not a JSON object";
    return false;
  }
  bool ok = text(object, "remote_addr", addr_, out.remote_addr) && text(object, "host", host_, out.host) &&
            text(object, "http_referer", referer_, out.referer) &&
            text(object, "http_user_agent", agent_, out.user_agent) &&
            text(object, "http_x_forwarded_for", forwarded_, out.forwarded_for) &&
            text(object, "realip_remote_addr", realip_, out.realip_remote_addr) &&
            text(object, "http_x_real_ip", real_ip_, out.real_ip) &&
            number(object, "status", out.status) && number(object, "body_bytes_sent", out.body_bytes) &&
            number(object, "request_time", out.request_time);
  if (!ok) {
    reason = "a JSON field has the wrong type";
    return false;
  }
  if (object.contains("time_local")) {
    ok = text(object, "time_local", time_, out.time);
    if (!parse_time_local(out.time, out.epoch)) out.epoch = 0;
  } else if (object.contains("time_iso8601")) {
    ok = text(object, "time_iso8601", time_, out.time);
    if (!parse_time_iso8601(out.time, out.epoch)) out.epoch = 0;
  } else if (object.contains("msec")) {
    double seconds = 0;
    ok = number(object, "msec", seconds);
    out.epoch = fits<std::int64_t>(seconds) ? static_cast<std::int64_t>(seconds) : 0;  // as an unparsable time
  }
  if (object.contains("request")) {
    ok = ok && text(object, "request", request_, out.request);
    split_request(out.request, out);
  }
  ok = ok && text(object, "request_method", method_, out.method) &&
       text(object, "request_uri", target_, out.target) && text(object, "server_protocol", protocol_, out.protocol);
  if (!ok) {
    reason = "a JSON field has the wrong type";
    return false;
  }
  if (out.status < 0 || out.status > 999) {
    reason = "status out of range";
    return false;
  }
  return true;
}

}  // namespace vigil
